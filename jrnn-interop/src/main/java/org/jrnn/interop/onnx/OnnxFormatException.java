// An ONNX file jrnn cannot import (bad, crafted or of an unsupported shape), with a one-line message
// "<file>: <problem>". A UserInputException: the CLI prints it as is and exits 2, without a stack trace.
package org.jrnn.interop.onnx;

import org.jrnn.errors.UserInputException;

/** An ONNX model that cannot be imported. {@link #getMessage()} is one line naming the file and, where one is at fault, the node. */
public final class OnnxFormatException extends UserInputException {

    public OnnxFormatException(String file, String problem) {
        this(file, problem, null);
    }

    public OnnxFormatException(String file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
