package org.jrnn.train;

/** The loss became NaN or infinite: training stops instead of writing garbage weights. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
