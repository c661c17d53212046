// A checkpoint that cannot be resumed: not a checkpoint, another version, truncated, inconsistent, or written
// by a run with other settings. The user can fix it (another --checkpoint-dir, the original settings), so it
// is a UserInputException: one line "<file>: cannot resume: <problem>", no stack trace.
package org.jrnn.train;

import java.nio.file.Path;
import org.jrnn.errors.UserInputException;

/** A checkpoint file {@code --resume} refuses. {@link #getMessage()} is one line naming the file and the problem. */
public final class CheckpointFormatException extends UserInputException {

    private final Path file;

    public CheckpointFormatException(Path file, String problem) {
        this(file, problem, null);
    }

    public CheckpointFormatException(Path file, String problem, Throwable cause) {
        super(file + ": cannot resume: " + problem, cause);
        this.file = file;
    }

    /** The checkpoint file. */
    public Path file() {
        return file;
    }
}
