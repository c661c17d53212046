/**
 * All hot loops of jrnn: matrix products in PyTorch weight layout, bias broadcasts and
 * reductions. Only this package may use {@code jdk.incubator.vector}; everything else calls
 * {@link org.jrnn.kernels.Kernels#get()}.
 */
package org.jrnn.kernels;
