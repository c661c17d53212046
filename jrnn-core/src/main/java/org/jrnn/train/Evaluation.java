package org.jrnn.train;

/** Loss and accuracy of a model on a dataset. */
public record Evaluation(double loss, double accuracy, long samples) {}
