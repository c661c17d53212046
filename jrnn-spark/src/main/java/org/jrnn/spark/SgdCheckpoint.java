// Where a JrnnClassifier run is, written between rounds to any Hadoop-compatible folder so that a restarted
// driver continues it: the averaged weights and Adam state, the position (epoch, next round), the epoch's
// running sums per shard, and the finished epochs' history. A plain binary layout read field by field
// (never Java deserialization: loading a file runs no code), written to a temp name and renamed.
package org.jrnn.spark;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.jrnn.errors.UserInputException;
import org.jrnn.model.EpochMetrics;

/** A run's progress; mutable, owned by the driver's fit loop. */
final class SgdCheckpoint {
    static final String FILE = "jrnn-spark-checkpoint.bin";
    private static final String MAGIC = "jrnn-spark-checkpoint 1";

    /** Everything that decides the numbers; a checkpoint with another one is refused. */
    final String fingerprint;
    int epoch;
    int round;
    double[] lossSums;
    long correct;
    long seen;
    long tokens;
    double epochSeconds;
    final List<EpochMetrics> history = new ArrayList<>();
    LocalSgd.State state;

    SgdCheckpoint(String fingerprint, int partitions, LocalSgd.State state) {
        this.fingerprint = fingerprint;
        this.lossSums = new double[partitions];
        this.state = state;
    }

    void startEpoch(int e) {
        epoch = e;
        round = 0;
        lossSums = new double[lossSums.length];
        correct = 0;
        seen = 0;
        tokens = 0;
        epochSeconds = 0;
    }

    static String path(String dir) {
        return new org.apache.hadoop.fs.Path(dir, FILE).toString();
    }

    static boolean exists(String dir, Configuration conf) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path(dir));
            FileSystem fs = p.getFileSystem(conf);
            return fs.exists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    void write(String dir, Configuration conf) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(MAGIC);
            writeLongString(out, fingerprint);
            out.writeInt(epoch);
            out.writeInt(round);
            out.writeInt(lossSums.length);
            for (double d : lossSums) out.writeDouble(d);
            out.writeLong(correct);
            out.writeLong(seen);
            out.writeLong(tokens);
            out.writeDouble(epochSeconds);
            out.writeInt(history.size());
            for (EpochMetrics m : history) {
                out.writeInt(m.epoch());
                out.writeDouble(m.loss());
                out.writeDouble(m.accuracy());
                out.writeDouble(m.valLoss());
                out.writeDouble(m.valAccuracy());
                out.writeDouble(m.seconds());
                out.writeLong(m.realTokens());
                out.writeLong(m.samples());
            }
            out.writeLong(state.iterations());
            out.writeInt(state.weights().length);
            for (int i = 0; i < state.weights().length; i++) {
                writeFloats(out, state.weights()[i]);
                writeFloats(out, state.m()[i]);
                writeFloats(out, state.v()[i]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ModelBytes.write(path(dir), bytes.toByteArray(), conf);
    }

    /**
     * Reads the checkpoint in {@code dir}.
     *
     * @throws UserInputException if it is damaged or belongs to a run with other settings
     */
    static SgdCheckpoint read(String dir, Configuration conf, String expectedFingerprint, LocalSgd.State shapeOf) {
        String where = path(dir);
        byte[] b = ModelBytes.read(where, conf);
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(b))) {
            if (!MAGIC.equals(in.readUTF())) throw new UserInputException(where + ": not a jrnn-spark checkpoint");
            String fp = readLongString(in);
            if (!fp.equals(expectedFingerprint)) {
                throw new UserInputException(where + " holds a checkpoint of a run with other settings, data or partitions;"
                        + " choose another checkpointDir or remove it");
            }
            int epoch = in.readInt();
            int round = in.readInt();
            int p = in.readInt();
            if (p < 1 || p > (1 << 20)) throw new UserInputException(where + ": damaged (" + p + " partitions)");
            SgdCheckpoint c = new SgdCheckpoint(fp, p, shapeOf);
            c.epoch = epoch;
            c.round = round;
            for (int i = 0; i < p; i++) c.lossSums[i] = in.readDouble();
            c.correct = in.readLong();
            c.seen = in.readLong();
            c.tokens = in.readLong();
            c.epochSeconds = in.readDouble();
            int h = in.readInt();
            for (int i = 0; i < h; i++) {
                c.history.add(new EpochMetrics(in.readInt(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(),
                        in.readDouble(), in.readLong(), in.readLong()));
            }
            long iterations = in.readLong();
            int n = in.readInt();
            if (n != shapeOf.weights().length) throw new UserInputException(where + ": " + n + " parameters, the model has " + shapeOf.weights().length);
            float[][] w = new float[n][];
            float[][] m = new float[n][];
            float[][] v = new float[n][];
            for (int i = 0; i < n; i++) {
                int len = shapeOf.weights()[i].length;
                w[i] = readFloats(in, len, where);
                m[i] = readFloats(in, len, where);
                v[i] = readFloats(in, len, where);
            }
            if (in.read() != -1) throw new UserInputException(where + ": trailing bytes");
            c.state = new LocalSgd.State(w, m, v, iterations);
            return c;
        } catch (java.io.EOFException e) {
            throw new UserInputException(where + ": truncated", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeLongString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readLongString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > (1 << 24)) throw new IOException("bad string length " + n);
        return new String(in.readNBytes(n), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void writeFloats(DataOutputStream out, float[] a) throws IOException {
        out.writeInt(a.length);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4 * a.length);
        buf.asFloatBuffer().put(a);
        out.write(buf.array());
    }

    private static float[] readFloats(DataInputStream in, int expected, String where) throws IOException {
        int n = in.readInt();
        if (n != expected) throw new UserInputException(where + ": a tensor of " + n + " values where the model has " + expected);
        byte[] b = in.readNBytes(4 * n);
        if (b.length != 4 * n) throw new java.io.EOFException();
        float[] a = new float[n];
        java.nio.ByteBuffer.wrap(b).asFloatBuffer().get(a);
        return a;
    }
}
