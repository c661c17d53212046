package org.jrnn.nn;

import org.jrnn.kernels.Kernels;

/**
 * Gated recurrent unit in PyTorch's formulation (= Keras GRU with {@code reset_after=True}),
 * gate order r, z, n as {@code torch.nn.GRU}:
 * r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r⊙h_n), h_t = (1−z)⊙n + z⊙h_{t-1},
 * where x_* include b_ih and h_* = h_{t-1}·W_hhᵀ + b_hh (Cho et al. 2014).
 */
public final class GRU extends RecurrentLayer {

    public GRU(int units) {
        this(units, false, false);
    }

    public GRU(int units, boolean returnSequences) {
        this(units, returnSequences, false);
    }

    public GRU(int units, boolean returnSequences, boolean goBackwards) {
        super(units, 3, returnSequences, goBackwards);
    }

    @Override
    public RecurrentLayer reversed() {
        return new GRU(units, returnSequences(), !goBackwards());
    }

    @Override
    protected void cellForward(int rows, int o, Cache c, float[] hPrev, float[] cPrev) {
        int h = units;
        int gh = 3 * h;
        float[] gates = c.gates;
        int g0 = o * gh;
        // Two activation calls per step over all running rows, not two per row: with H = 16 and
        // 256 rows the per-row calls took 68 % of inference. xn is kept aside because the first
        // call also runs over (and spoils) the n block; tanh(x) = 2σ(2x) − 1 as in LSTM.
        float[] xn = c.work; // (B, H) scratch, rows·H used
        for (int row = 0; row < rows; row++) System.arraycopy(gates, g0 + row * gh + 2 * h, xn, row * h, h);
        Kernels k = Kernels.get();
        k.addRowVector(c.hh, g0, gates, g0, 1, rows * gh);                  // x + h for all three blocks, as one row
        k.sigmoid(gates, g0, rows * gh);                                    // r, z (and a spoilt n block)
        k.gruCandidate(gates, c.hh, g0, xn, rows, h);                       // 2·(x_n + r ⊙ h_n)
        k.sigmoid(xn, 0, rows * h);
        k.gruUpdate(gates, g0, xn, hPrev, c.out, o * h, rows, h);           // n = 2σ − 1, h_t
    }

    @Override
    protected void cellBackward(int rows, int o, Cache c, float[] dh, float[] dc, float[] hPrev, float[] cPrev,
                                float[] dGates, float[] dHh, float[] dhPrev) {
        int h = units;
        int gh = 3 * h;
        for (int row = 0; row < rows; row++) {
            int g0 = (o + row) * gh;
            int d0 = row * gh;
            for (int j = 0; j < h; j++) {
                float r = c.gates[g0 + j];
                float z = c.gates[g0 + h + j];
                float n = c.gates[g0 + 2 * h + j];
                float hn = c.hh[g0 + 2 * h + j];
                float hp = hPrev[row * h + j];
                float d = dh[row * h + j];
                float dn = d * (1f - z) * (1f - n * n);
                float dz = d * (hp - n) * z * (1f - z);
                float dr = dn * hn * r * (1f - r);
                dGates[g0 + j] = dr;
                dGates[g0 + h + j] = dz;
                dGates[g0 + 2 * h + j] = dn;
                dHh[d0 + j] = dr;
                dHh[d0 + h + j] = dz;
                dHh[d0 + 2 * h + j] = dn * r;
                dhPrev[row * h + j] += d * z;
            }
        }
    }
}
