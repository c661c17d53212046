// TEMPORARY copy on branch `server` (the lead writes the real one on main): delete when merging main.
package org.jrnn.serve;

/** Why a {@link BatchingClassifier} did not run a request. */
public final class OverloadedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public enum Reason { QUEUE_FULL, TIMED_OUT, SHUT_DOWN }

    private final Reason reason;

    public OverloadedException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
