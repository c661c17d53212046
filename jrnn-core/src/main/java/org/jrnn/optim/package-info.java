/** Optimizers: Adam with Keras and PyTorch semantics. */
package org.jrnn.optim;
