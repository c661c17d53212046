/**
 * Keras import ({@link org.jrnn.interop.keras.KerasImport}): a Keras 3 {@code .keras} or Keras 2 /
 * tf.keras {@code .h5} Sequential text classifier mapped onto jrnn's model description
 * ({@link org.jrnn.model.ModelSpec}, PyTorch parameter layout) and saved as an ordinary {@code .jrnn}
 * file. Reads the config JSON and the weights only; nothing from the file is ever executed. The
 * layouts and the tensor mapping are documented in docs/FORMAT.md ("Keras import").
 */
package org.jrnn.interop.keras;
