package org.jrnn.nn;

/**
 * A row-major float matrix passed between layers. When {@link #layout} is non-null the rows
 * are the real tokens of a packed batch of sequences (see {@link PackedLayout}); otherwise
 * there is one row per sequence, in the batch's sorted order.
 */
public final class Matrix {
    public final float[] data;
    public final int rows;
    public final int cols;
    public final PackedLayout layout;

    public Matrix(float[] data, int rows, int cols, PackedLayout layout) {
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException("matrix data has " + data.length + " values, expected " + rows + "x" + cols);
        }
        if (layout != null && layout.rows != rows) {
            throw new IllegalArgumentException("packed layout has " + layout.rows + " rows, matrix has " + rows);
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.layout = layout;
    }

    public static Matrix zeros(int rows, int cols, PackedLayout layout) {
        return new Matrix(new float[rows * cols], rows, cols, layout);
    }

    public boolean isSequence() {
        return layout != null;
    }

    @Override
    public String toString() {
        return "Matrix(" + rows + "x" + cols + (layout != null ? ", " + layout : "") + ")";
    }
}
