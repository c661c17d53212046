package org.jrnn.model;

/** One epoch's figures, as Keras prints them at the end of an epoch. */
public record EpochMetrics(int epoch, double loss, double accuracy, double valLoss, double valAccuracy,
                           double seconds, long realTokens, long samples) {
    public double tokensPerSecond() {
        return realTokens / seconds;
    }
}
