package org.jrnn.kernels;

/**
 * Chooses the kernel implementation once per process. Scalar loops are the reference;
 * a vectorised implementation is loaded only when the incubator module is present and
 * {@code -Djrnn.simd=false} is not set, so plain Java 17 always runs. The choice is logged
 * at DEBUG through {@link System.Logger} and given by {@link #describe()}.
 */
final class KernelProvider {
    private static final Choice CHOICE = choose(Boolean.parseBoolean(System.getProperty("jrnn.simd", "true")));
    static final Kernels INSTANCE = CHOICE.kernels();

    static {
        System.getLogger(KernelProvider.class.getName()).log(System.Logger.Level.DEBUG, "jrnn kernels: {0}", describe());
    }

    private KernelProvider() {}

    /** The kernels picked and, for a scalar fallback, why. */
    record Choice(Kernels kernels, String reason) {
        String describe() {
            return reason.isEmpty() ? kernels.toString() : kernels + " (" + reason + ")";
        }
    }

    /** What the provider picks with {@code -Djrnn.simd=<simdEnabled>} in this JVM. */
    static Choice choose(boolean simdEnabled) {
        if (!simdEnabled) {
            return new Choice(new ScalarKernels(), "jrnn.simd=false");
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return new Choice(new ScalarKernels(), "jdk.incubator.vector absent; run java with --add-modules jdk.incubator.vector");
        }
        try {
            // Loaded by name so that this class links without the incubator module.
            return new Choice((Kernels) Class.forName("org.jrnn.kernels.VectorKernels").getDeclaredConstructor().newInstance(), "");
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return new Choice(new ScalarKernels(), "vector kernels failed to load: " + cause);
        }
    }

    /** A short description of the choice, for logs and benchmark reports. */
    static String describe() {
        return CHOICE.describe();
    }
}
