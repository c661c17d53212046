package org.jrnn.nn;

/**
 * Per-thread scratch arrays for the inference time loop, reused from one batch to the next.
 * Inference used to allocate its step buffers per batch (about 100 MB per pass over the
 * AG News test set for SimpleRNN(16)); on this VM first-touching fresh heap pages costs more
 * kernel time than the arithmetic, and whole passes ran 10× slower while the heap grew.
 *
 * <p>A slot's contents are garbage on return: callers initialise what they read. A method
 * that takes slots must not call another that takes the same slots.
 */
final class Workspace {
    /** Slots of {@link RecurrentLayer}'s inference loop. */
    static final int GATES = 0, HH = 1, CELL_TANH = 2, WORK = 3, WHH_T = 4;
    private static final int SLOTS = 5;
    private static final ThreadLocal<Workspace> LOCAL = ThreadLocal.withInitial(Workspace::new);

    private final float[][] slots = new float[SLOTS][0];

    private Workspace() {}

    static Workspace get() {
        return LOCAL.get();
    }

    /** Slot {@code slot} with room for at least {@code size} floats (grows, never shrinks). */
    float[] floats(int slot, int size) {
        float[] a = slots[slot];
        if (a.length < size) {
            a = new float[size];
            slots[slot] = a;
        }
        return a;
    }
}
