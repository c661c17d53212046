/**
 * The fit loop (threads, early stopping, checkpoints and resume), presets, architecture files,
 * benchmarks, and training runs end to end.
 */
package org.jrnn.train;
