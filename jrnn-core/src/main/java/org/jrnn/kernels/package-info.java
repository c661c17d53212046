/**
 * All hot loops of jrnn: matrix products in PyTorch weight layout, bias broadcasts and
 * reductions, gate activations, the Adam update, and the one thread pool ({@code Parallel}). Only this package may use {@code jdk.incubator.vector}, and only
 * in {@code VectorKernels}, which {@code KernelProvider} loads by name; everything else calls
 * {@link org.jrnn.kernels.Kernels#get()}. Timings: {@code BENCHMARKS.md}.
 */
package org.jrnn.kernels;
