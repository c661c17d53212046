/**
 * The architecture as data: {@link org.jrnn.model.ModelSpec} (embedding and layer list, the
 * JSON of {@code --model}, model files and presets), {@link org.jrnn.model.LayerType} (the one
 * table of layer types: fields, nn layer, PyTorch parameter names and shapes) and the per-epoch
 * record {@link org.jrnn.model.EpochMetrics} that model files keep. Depends on {@code nn} only;
 * never on training, files or the CLI.
 */
package org.jrnn.model;
