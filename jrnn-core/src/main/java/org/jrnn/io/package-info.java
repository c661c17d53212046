/**
 * The {@code .jrnn} model file ({@link org.jrnn.io.ModelFile},
 * {@link org.jrnn.io.SavedModel}; a zip of config.json, vocab.txt and safetensors weights with PyTorch
 * state-dict names, documented in docs/FORMAT.md). Loading validates everything and never runs code.
 */
package org.jrnn.io;
