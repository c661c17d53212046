// A Keras file jrnn cannot import (bad, crafted or unsupported), with a one-line message "<file>: <problem>".
// A UserInputException: the CLI prints it as is and exits 2, without a stack trace.
package org.jrnn.interop.keras;

import org.jrnn.errors.UserInputException;

/** A Keras model file that cannot be imported. {@link #getMessage()} is one line naming the file and the problem. */
public final class KerasFormatException extends UserInputException {

    public KerasFormatException(String file, String problem) {
        this(file, problem, null);
    }

    public KerasFormatException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
