package org.jrnn.nn;

/**
 * Elman RNN: h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh), as {@code torch.nn.RNN}
 * (tanh) and Keras SimpleRNN (which has one bias: b_ih + b_hh).
 */
public final class SimpleRNN extends RecurrentLayer {

    public SimpleRNN(int units) {
        this(units, false, false);
    }

    public SimpleRNN(int units, boolean returnSequences) {
        this(units, returnSequences, false);
    }

    public SimpleRNN(int units, boolean returnSequences, boolean goBackwards) {
        super(units, 1, returnSequences, goBackwards);
    }

    @Override
    public RecurrentLayer reversed() {
        return new SimpleRNN(units, returnSequences(), !goBackwards());
    }

    @Override
    protected void cellForward(int rows, int o, Cache c, float[] hPrev, float[] cPrev) {
        int base = o * units;
        int len = rows * units;
        for (int i = base; i < base + len; i++) c.out[i] = c.gates[i] + c.hh[i];
        org.jrnn.kernels.Kernels.get().tanh(c.out, base, len);
    }

    @Override
    protected void cellBackward(int rows, int o, Cache c, float[] dh, float[] dc, float[] hPrev, float[] cPrev,
                                float[] dGates, float[] dHh, float[] dhPrev) {
        int h = units;
        int base = o * h;
        for (int i = 0; i < rows * h; i++) {
            float y = c.out[base + i];
            float d = dh[i] * (1f - y * y);
            dGates[base + i] = d;
            dHh[i] = d;
        }
    }
}
