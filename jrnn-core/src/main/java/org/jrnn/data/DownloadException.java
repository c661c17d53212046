// A download that could not be completed: HTTP error, checksum mismatch, or the network failing after
// every retry. The message is one line naming the file or URL, so the CLI prints it as is (exit code 2).
package org.jrnn.data;

import java.io.IOException;

/** A failed {@link Download}; {@link #getMessage()} is a single line naming the file or URL. */
public final class DownloadException extends IOException {
    public DownloadException(String message) {
        super(message);
    }

    public DownloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
