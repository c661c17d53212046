/**
 * Evaluating a trained classifier: {@link org.jrnn.eval.Evaluator} computes loss, accuracy,
 * per-class precision/recall/F1, macro-F1 and the confusion matrix ({@link org.jrnn.eval.EvaluationReport}).
 * Plots of a report live in the CLI module ({@code org.jrnn.plot}), so this library needs no charting code.
 * Library code: the {@code evaluate} command only parses options and prints.
 */
package org.jrnn.eval;
