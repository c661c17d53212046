/**
 * Using a trained model: {@link org.jrnn.serve.Classifier} turns texts into
 * {@link org.jrnn.serve.Prediction}s (label, probabilities, top-k, occlusion explanations), thread-safe.
 * {@link org.jrnn.serve.Tagger} gives a tagger's tag (and its probability) per token.
 * The {@code predict} command is a thin shell over it; an HTTP server would be another.
 */
package org.jrnn.serve;
