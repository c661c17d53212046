/**
 * The fit loop (threads, early stopping, checkpoints and resume), presets, architecture files,
 * benchmarks, and training runs end to end (classifiers: {@code TrainJob}; taggers: {@code TagTraining}).
 */
package org.jrnn.train;
