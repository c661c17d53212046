// A request that ends in an error response: status and the one-line message of {"error": "..."}.
// Thrown while parsing or routing a request; never carries a stack trace (the message is all a
// client sees, and building a trace per bad request would cost more than answering it).
package org.jrnn.server;

final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    /** Extra response header (name, value) or null: Allow for 405, Retry-After for 503. */
    final String headerName;
    final String headerValue;

    HttpError(int status, String message) {
        this(status, message, null, null);
    }

    HttpError(int status, String message, String headerName, String headerValue) {
        super(message, null, false, false);
        this.status = status;
        this.headerName = headerName;
        this.headerValue = headerValue;
    }

    static HttpError badRequest(String message) {
        return new HttpError(400, message);
    }
}
