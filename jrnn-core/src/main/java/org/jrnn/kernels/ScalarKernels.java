package org.jrnn.kernels;

/** Plain-loop kernels: the reference every faster implementation is tested against. */
public final class ScalarKernels implements Kernels {

    @Override
    public void matmulABt(float[] a, int aOff, float[] w, int wOff, float[] c, int cOff, int n, int k, int g) {
        for (int i = 0; i < n; i++) {
            int ai = aOff + i * k;
            int ci = cOff + i * g;
            for (int j = 0; j < g; j++) {
                int wj = wOff + j * k;
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s += a[ai + p] * w[wj + p];
                }
                c[ci + j] += s;
            }
        }
    }

    /** Nothing to prepare: the plain loops read W as it is, and give every row the same bits whatever n. */
    @Override
    public float[] prepareABt(float[] w, int wOff, int k, int g) {
        return new float[0];
    }

    @Override
    public void matmulABtPrepared(float[] a, int aOff, float[] w, int wOff, float[] prepared, float[] c, int cOff, int n, int k, int g) {
        matmulABt(a, aOff, w, wOff, c, cOff, n, k, g);
    }

    @Override
    public void matmulAB(float[] dc, int dcOff, float[] w, int wOff, float[] da, int daOff, int n, int k, int g) {
        for (int i = 0; i < n; i++) {
            int di = daOff + i * k;
            int ci = dcOff + i * g;
            for (int j = 0; j < g; j++) {
                float s = dc[ci + j];
                if (s == 0f) continue;
                int wj = wOff + j * k;
                for (int p = 0; p < k; p++) {
                    da[di + p] += s * w[wj + p];
                }
            }
        }
    }

    @Override
    public void matmulAtB(float[] dc, int dcOff, float[] a, int aOff, float[] dw, int dwOff, int n, int k, int g) {
        for (int i = 0; i < n; i++) {
            int ai = aOff + i * k;
            int ci = dcOff + i * g;
            for (int j = 0; j < g; j++) {
                float s = dc[ci + j];
                if (s == 0f) continue;
                int wj = dwOff + j * k;
                for (int p = 0; p < k; p++) {
                    dw[wj + p] += s * a[ai + p];
                }
            }
        }
    }

    @Override
    public void addRowVector(float[] bias, int biasOff, float[] c, int cOff, int n, int g) {
        for (int i = 0; i < n; i++) {
            int ci = cOff + i * g;
            for (int j = 0; j < g; j++) {
                c[ci + j] += bias[biasOff + j];
            }
        }
    }

    @Override
    public void addColumnSums(float[] dc, int dcOff, float[] dBias, int dBiasOff, int n, int g) {
        for (int i = 0; i < n; i++) {
            int ci = dcOff + i * g;
            for (int j = 0; j < g; j++) {
                dBias[dBiasOff + j] += dc[ci + j];
            }
        }
    }

    @Override
    public void adamUpdate(float[] w, float[] g, float[] m, float[] v, int from, int to,
                           float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                           float alphaOrStepSize, float eps, boolean kerasVariant, float invSqrtBc2) {
        if (kerasVariant) {
            for (int i = from; i < to; i++) {
                float gi = g[i];
                float mi = beta1 * m[i] + oneMinusBeta1 * gi;
                float vi = beta2 * v[i] + oneMinusBeta2 * gi * gi;
                m[i] = mi;
                v[i] = vi;
                w[i] -= alphaOrStepSize * mi / ((float) Math.sqrt(vi) + eps);
            }
        } else {
            for (int i = from; i < to; i++) {
                float gi = g[i];
                float mi = beta1 * m[i] + oneMinusBeta1 * gi;
                float vi = beta2 * v[i] + oneMinusBeta2 * gi * gi;
                m[i] = mi;
                v[i] = vi;
                w[i] -= alphaOrStepSize * mi / ((float) Math.sqrt(vi) * invSqrtBc2 + eps);
            }
        }
    }

    @Override
    public void sigmoid(float[] a, int off, int n) {
        for (int i = off; i < off + n; i++) a[i] = (float) (1.0 / (1.0 + Math.exp(-a[i])));
    }

    /**
     * tanh through the exp intrinsic: Math.tanh is a slow software routine. In double,
     * 1 − 2/(e^{2x}+1) is accurate to ~1e-16 absolute, far below float rounding.
     */
    @Override
    public void tanh(float[] a, int off, int n) {
        for (int i = off; i < off + n; i++) a[i] = (float) (1.0 - 2.0 / (Math.exp(2.0 * a[i]) + 1.0));
    }

    @Override
    public String toString() {
        return "scalar";
    }

    @Override
    public void gruCandidate(float[] gates, float[] hh, int gOff, float[] xn, int rows, int h) {
        for (int r = 0; r < rows; r++) {
            int b = gOff + r * 3 * h;
            for (int j = 0; j < h; j++) xn[r * h + j] = 2f * (xn[r * h + j] + gates[b + j] * hh[b + 2 * h + j]);
        }
    }

    @Override
    public void gruUpdate(float[] gates, int gOff, float[] s, float[] hPrev, float[] out, int outOff, int rows, int h) {
        for (int r = 0; r < rows; r++) {
            int b = gOff + r * 3 * h;
            for (int j = 0; j < h; j++) {
                float n = 2f * s[r * h + j] - 1f;
                gates[b + 2 * h + j] = n;
                float z = gates[b + h + j];
                out[outOff + r * h + j] = (1f - z) * n + z * hPrev[r * h + j];
            }
        }
    }

    @Override
    public void lstmPreActivation(float[] gates, float[] hh, int gOff, int rows, int h) {
        for (int r = 0; r < rows; r++) {
            int b = gOff + r * 4 * h;
            for (int j = 0; j < 4 * h; j++) gates[b + j] += hh[b + j];
            for (int j = 2 * h; j < 3 * h; j++) gates[b + j] *= 2f;
        }
    }

    @Override
    public void lstmCell(float[] gates, int gOff, float[] cPrev, float[] cell, float[] cellCopy, int cOff, int rows, int h) {
        for (int r = 0; r < rows; r++) {
            int b = gOff + r * 4 * h;
            for (int j = 0; j < h; j++) {
                float g = 2f * gates[b + 2 * h + j] - 1f;
                gates[b + 2 * h + j] = g;
                float c = gates[b + h + j] * cPrev[r * h + j] + gates[b + j] * g;
                cell[cOff + r * h + j] = c;
                cellCopy[cOff + r * h + j] = c;
            }
        }
    }

    @Override
    public void lstmOutput(float[] gates, int gOff, float[] tanhCell, float[] out, int cOff, int rows, int h) {
        for (int r = 0; r < rows; r++) {
            int b = gOff + r * 4 * h;
            for (int j = 0; j < h; j++) out[cOff + r * h + j] = gates[b + 3 * h + j] * tanhCell[cOff + r * h + j];
        }
    }
}
