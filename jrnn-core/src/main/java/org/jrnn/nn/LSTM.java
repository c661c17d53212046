package org.jrnn.nn;

import org.jrnn.kernels.Kernels;

/**
 * Long short-term memory, gate order i, f, g, o as {@code torch.nn.LSTM}:
 * i = σ(·), f = σ(·), g = tanh(·), o = σ(·); c_t = f⊙c_{t-1} + i⊙g; h_t = o⊙tanh(c_t)
 * (Hochreiter &amp; Schmidhuber 1997, with the forget gate of Gers et al. 2000).
 * Keras' {@code unit_forget_bias}: the forget-gate part of bias_ih starts at 1.
 */
public final class LSTM extends RecurrentLayer {

    public LSTM(int units) {
        this(units, false, false);
    }

    public LSTM(int units, boolean returnSequences) {
        this(units, returnSequences, false);
    }

    public LSTM(int units, boolean returnSequences, boolean goBackwards) {
        super(units, 4, returnSequences, goBackwards);
    }

    @Override
    public RecurrentLayer reversed() {
        return new LSTM(units, returnSequences(), !goBackwards());
    }

    @Override
    protected boolean hasCellState() {
        return true;
    }

    @Override
    protected void initBias(float[] biasIh) {
        java.util.Arrays.fill(biasIh, units, 2 * units, 1f);
    }

    @Override
    protected void cellForward(int rows, int o, Cache c, float[] hPrev, float[] cPrev) {
        int h = units;
        int gh = 4 * h;
        int g0 = o * gh;
        float[] gates = c.gates;
        // Pre-activations; the g block is doubled so one sigmoid call covers all four gates:
        // tanh(x) = 2σ(2x) − 1 (absolute error ~1e-7 in float, like tanh itself).
        Kernels k = Kernels.get();
        k.lstmPreActivation(gates, c.hh, g0, rows, h);
        k.sigmoid(gates, g0, rows * gh);
        int s0 = o * h;
        k.lstmCell(gates, g0, cPrev, c.cell, c.cellTanh, s0, rows, h);
        k.tanh(c.cellTanh, s0, rows * h);
        k.lstmOutput(gates, g0, c.cellTanh, c.out, s0, rows, h);
    }

    @Override
    protected void cellBackward(int rows, int o, Cache c, float[] dh, float[] dc, float[] hPrev, float[] cPrev,
                                float[] dGates, float[] dHh, float[] dhPrev) {
        int h = units;
        int gh = 4 * h;
        for (int r = 0; r < rows; r++) {
            int g0 = (o + r) * gh;
            int s0 = (o + r) * h;
            int d0 = r * gh;
            for (int j = 0; j < h; j++) {
                float i = c.gates[g0 + j];
                float f = c.gates[g0 + h + j];
                float g = c.gates[g0 + 2 * h + j];
                float og = c.gates[g0 + 3 * h + j];
                float tc = c.cellTanh[s0 + j];
                float dhj = dh[r * h + j];
                float dcell = dc[r * h + j] + dhj * og * (1f - tc * tc);
                float di = dcell * g * i * (1f - i);
                float df = dcell * cPrev[r * h + j] * f * (1f - f);
                float dg = dcell * i * (1f - g * g);
                float dog = dhj * tc * og * (1f - og);
                dc[r * h + j] = dcell * f;
                dGates[g0 + j] = di;
                dGates[g0 + h + j] = df;
                dGates[g0 + 2 * h + j] = dg;
                dGates[g0 + 3 * h + j] = dog;
                dHh[d0 + j] = di;
                dHh[d0 + h + j] = df;
                dHh[d0 + 2 * h + j] = dg;
                dHh[d0 + 3 * h + j] = dog;
            }
        }
    }
}
