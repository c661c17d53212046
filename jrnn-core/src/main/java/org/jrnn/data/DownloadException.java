// A download that could not be completed: HTTP error, checksum mismatch, or the network failing after
// every retry. The user can act on each (another URL or mirror, a working network, running again to
// resume), so it is a UserInputException: the CLI prints the one-line message as is (exit code 2).
package org.jrnn.data;

import org.jrnn.errors.UserInputException;

/** A failed {@link Download}; {@link #getMessage()} is a single line naming the file or URL. */
public final class DownloadException extends UserInputException {
    public DownloadException(String message) {
        super(message);
    }

    public DownloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
