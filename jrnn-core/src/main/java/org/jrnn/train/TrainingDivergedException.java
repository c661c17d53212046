// The loss became NaN or infinite. With jrnn's gradients checked against PyTorch, the usual cause is the
// run's settings (a learning rate too high for the data, no gradient clipping), which the user can change:
// hence a UserInputException, reported in one line without a stack trace.
package org.jrnn.train;

import org.jrnn.errors.UserInputException;

/** The loss became NaN or infinite: training stops instead of writing garbage weights. */
public final class TrainingDivergedException extends UserInputException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
