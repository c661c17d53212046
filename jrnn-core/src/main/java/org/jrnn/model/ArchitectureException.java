// An architecture (--model FILE.json, a preset, or config.json's "architecture") that jrnn cannot build.
package org.jrnn.model;

import org.jrnn.errors.UserInputException;

/** A layer list jrnn cannot build; the message names the layer ("layers[1].layer: ...") and the problem. */
public final class ArchitectureException extends UserInputException {
    public ArchitectureException(String message) {
        super(message);
    }

    public ArchitectureException(String message, Throwable cause) {
        super(message, cause);
    }
}
