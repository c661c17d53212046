package org.jrnn.kernels;

/**
 * Chooses the kernel implementation once per process. Scalar loops are the reference;
 * a vectorised implementation is loaded only when the incubator module is present and
 * {@code -Djrnn.simd=false} is not set, so plain Java 17 always runs.
 */
final class KernelProvider {
    static final Kernels INSTANCE = choose();

    private KernelProvider() {}

    private static Kernels choose() {
        if (!Boolean.parseBoolean(System.getProperty("jrnn.simd", "true"))) {
            return new ScalarKernels();
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return new ScalarKernels();
        }
        try {
            // Loaded by name so that this class links without the incubator module.
            return (Kernels) Class.forName("org.jrnn.kernels.VectorKernels").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return new ScalarKernels();
        }
    }

    /** A short description of the choice, for logs and benchmark reports. */
    static String describe() {
        return INSTANCE.toString();
    }
}
