package org.jrnn.serve;

/**
 * A request {@link BatchingClassifier} did not run: not a bug and not the request's fault, so a
 * server answers 503 (and the client may retry). The message is one line for the client.
 */
public final class OverloadedException extends RuntimeException {
    /** Why the request was not run. */
    public enum Reason {
        /** Accepting it would have put more texts in the queue than allowed. */
        QUEUE_FULL,
        /** It waited in the queue longer than the timeout. */
        TIMED_OUT,
        /** The classifier is shutting down (or was replaced by a reload and has drained). */
        SHUT_DOWN
    }

    private final Reason reason;

    public OverloadedException(Reason reason, String message) {
        super(message, null, false, false); // no stack trace: it is an answer, not a failure to debug
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
