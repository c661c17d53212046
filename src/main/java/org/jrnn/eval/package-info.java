/**
 * Evaluating a trained classifier: {@link org.jrnn.eval.Evaluator} computes loss, accuracy,
 * per-class precision/recall/F1, macro-F1 and the confusion matrix ({@link org.jrnn.eval.EvaluationReport});
 * {@link org.jrnn.eval.Plots} draws the confusion matrix and the saved training curves as PNG (XChart).
 * Library code: the {@code evaluate} command only parses options and prints.
 */
package org.jrnn.eval;
