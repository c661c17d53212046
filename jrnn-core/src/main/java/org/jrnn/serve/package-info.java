/**
 * Using a trained model: {@link org.jrnn.serve.Classifier} turns texts into
 * {@link org.jrnn.serve.Prediction}s (label, probabilities, top-k, occlusion explanations), thread-safe.
 * The {@code predict} command is a thin shell over it; an HTTP server would be another.
 */
package org.jrnn.serve;
