// A model file that cannot be loaded (or a model that cannot be saved as one), with a one-line message
// "<file>: <problem>" the CLI prints as is. A UserInputException: the CLI's handler maps it to exit code 2
// (bad input) without a stack trace.
package org.jrnn.io;

import org.jrnn.errors.UserInputException;

/** A bad model file. {@link #getMessage()} is one line naming the file and the problem. */
public final class ModelFormatException extends UserInputException {

    private final String file;
    private final String problem;

    public ModelFormatException(String file, String problem) {
        this(file, problem, null);
    }

    public ModelFormatException(String file, String problem, Throwable cause) {
        super(file + ": " + oneLine(problem), cause);
        this.file = file;
        this.problem = oneLine(problem);
    }

    /** The file as the caller named it. */
    public String file() {
        return file;
    }

    /** The message without the file prefix. */
    public String problem() {
        return problem;
    }
}
