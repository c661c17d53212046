package org.jrnn.nn;

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
        for (int r = 0; r < rows; r++) {
            int g0 = (o + r) * gh;
            int s0 = (o + r) * h;
            for (int j = 0; j < h; j++) {
                float i = sigmoid(c.gates[g0 + j] + c.hh[g0 + j]);
                float f = sigmoid(c.gates[g0 + h + j] + c.hh[g0 + h + j]);
                float g = tanh(c.gates[g0 + 2 * h + j] + c.hh[g0 + 2 * h + j]);
                float og = sigmoid(c.gates[g0 + 3 * h + j] + c.hh[g0 + 3 * h + j]);
                c.gates[g0 + j] = i;
                c.gates[g0 + h + j] = f;
                c.gates[g0 + 2 * h + j] = g;
                c.gates[g0 + 3 * h + j] = og;
                float cell = f * cPrev[r * h + j] + i * g;
                c.cell[s0 + j] = cell;
                c.out[s0 + j] = og * tanh(cell);
            }
        }
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
                float tc = tanh(c.cell[s0 + j]);
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
