/**
 * Evaluating a trained classifier: {@link org.jrnn.eval.Evaluator} computes loss, accuracy,
 * per-class precision/recall/F1, macro-F1 and the confusion matrix ({@link org.jrnn.eval.EvaluationReport}).
 * Taggers: {@link org.jrnn.eval.TagEvaluator} gives per-token loss and accuracy, per-tag figures and, for
 * BIO tag sets, entity-level precision/recall/F1 by conlleval's rules ({@link org.jrnn.eval.Entities}).
 * Plots of a report live in the CLI module ({@code org.jrnn.plot}), so this library needs no charting code.
 * Library code: the {@code evaluate} command only parses options and prints.
 */
package org.jrnn.eval;
