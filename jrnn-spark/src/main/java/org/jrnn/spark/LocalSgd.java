// Synchronous data-parallel local SGD, the part that runs in tasks: one round on one shard starts from the
// broadcast weights and Adam state, takes up to syncEvery optimizer steps with jrnn's own Trainer.trainStep,
// and returns its weights, moments and running sums; the driver averages the shards' states (average).
// The batch order is the single-machine Trainer's with the shard in place of the data set and the seed moved
// by the shard index, so shard 0 of a one-shard run replays `jrnn train` step for step.
package org.jrnn.spark;

import java.io.Serializable;
import java.util.List;
import org.jrnn.data.EncodedDataset;
import org.jrnn.model.ModelSpec;
import org.jrnn.nn.Param;
import org.jrnn.nn.Sequential;
import org.jrnn.optim.Adam;
import org.jrnn.train.Batching;
import org.jrnn.train.Shuffle;
import org.jrnn.train.Trainer;

final class LocalSgd {
    private LocalSgd() {}

    /** Moves a seed by the shard index; shard 0 keeps the single-machine seed. */
    static final long SHARD_STRIDE = 0x9E3779B97F4A7C15L;

    /** What every task needs besides the state: small, sent in each round's closure. */
    record Plan(String specJson, int vocabSize, int numClasses, long seed, int batchSize, double learningRate,
                boolean lazyEmbeddingAdam, boolean bucket, double clipNorm, int threads, int syncEvery,
                boolean touchedRowsOnly) implements Serializable {
        Sequential build() {
            return ModelSpec.parse(specJson, "architecture").build(vocabSize, numClasses, seed);
        }
    }

    /** One shard's rows, in the order of their global row index. */
    record Shard(int[][] tokens, int[] labels) implements Serializable {
        int size() {
            return labels.length;
        }

        /** Batches of one epoch: Trainer.fit's plan for this shard (seed + epoch, moved by the shard index). */
        int[][] batches(Plan plan, int epoch, int shard) {
            long s = plan.seed() + epoch + shard * SHARD_STRIDE;
            return Batching.plan(Shuffle.permutation(size(), s), tokens, plan.batchSize(), plan.bucket(), s);
        }
    }

    /** Weights, Adam moments (per parameter, model.params() order) and Adam's step count. */
    record State(float[][] weights, float[][] m, float[][] v, long iterations) implements Serializable {
        static State of(List<Param> params, Adam adam) {
            int n = params.size();
            float[][] w = new float[n][];
            float[][] m = new float[n][];
            float[][] v = new float[n][];
            for (int i = 0; i < n; i++) {
                w[i] = params.get(i).data.clone();
                float[][] mv = adam.moments(params.get(i));
                m[i] = mv[0].clone();
                v[i] = mv[1].clone();
            }
            return new State(w, m, v, adam.iterations());
        }

        void into(List<Param> params, Adam adam) {
            for (int i = 0; i < params.size(); i++) {
                System.arraycopy(weights[i], 0, params.get(i).data, 0, weights[i].length);
                float[][] mv = adam.moments(params.get(i));
                System.arraycopy(m[i], 0, mv[0], 0, m[i].length);
                System.arraycopy(v[i], 0, mv[1], 0, v[i].length);
            }
            adam.setIterations(iterations);
        }

        /** Bytes of float data: what one copy of the state moves over the network (serialization adds little). */
        long bytes() {
            long n = 0;
            for (float[] a : weights) n += a.length;
            return 3 * 4 * n;
        }
    }

    /**
     * One shard's round.
     *
     * @param lossSum the shard's running sum of batch loss × rows this epoch, continued as Trainer.fit does
     */
    record Result(int shard, State state, int steps, double lossSum, long correct, long seen, long tokens,
                  double computeSeconds, Rows embedding) implements Serializable {
        Result(int shard, State state, int steps, double lossSum, long correct, long seen, long tokens, double computeSeconds) {
            this(shard, state, steps, lossSum, correct, seen, tokens, computeSeconds, null);
        }

        /** Float bytes this result carries to the driver. */
        long uploadBytes() {
            long n = 0;
            for (float[] a : state.weights()) n += a == null ? 0 : a.length;
            return 3 * 4 * n + (embedding == null ? 0 : embedding.bytes());
        }

        /** The full state, the embedding rebuilt from the round's start where only touched rows were sent. */
        State full(State start) {
            if (embedding == null || !embedding.shipped()) return state;
            int i = embedding.param();
            float[][] w = state.weights().clone();
            float[][] m = state.m().clone();
            float[][] v = state.v().clone();
            w[i] = embedding.apply(start.weights()[i], embedding.w());
            m[i] = embedding.apply(start.m()[i], embedding.m());
            v[i] = embedding.apply(start.v()[i], embedding.v());
            return new State(w, m, v, state.iterations());
        }
    }

    /**
     * The embedding rows a round touched, with their weights and moments ((rows, E) each). With lazy
     * embedding Adam the other rows keep their start values exactly, so these are all a shard has to send.
     */
    record Rows(int param, int dim, int[] rows, float[] w, float[] m, float[] v) implements Serializable {
        static Rows of(int param, int dim, int[] rows, State s) {
            return new Rows(param, dim, rows, gather(s.weights()[param], rows, dim), gather(s.m()[param], rows, dim),
                    gather(s.v()[param], rows, dim));
        }

        private static float[] gather(float[] a, int[] rows, int dim) {
            float[] out = new float[rows.length * dim];
            for (int r = 0; r < rows.length; r++) System.arraycopy(a, rows[r] * dim, out, r * dim, dim);
            return out;
        }

        /** The touched row ids only: the embedding travels whole in the state (Adam without lazy rows). */
        static Rows idsOnly(int param, int dim, int[] rows) {
            return new Rows(param, dim, rows, null, null, null);
        }

        /** Whether the rows' values travel here (and the state's embedding is null). */
        boolean shipped() {
            return w != null;
        }

        float[] apply(float[] start, float[] values) {
            float[] out = start.clone();
            for (int r = 0; r < rows.length; r++) System.arraycopy(values, r * dim, out, rows[r] * dim, dim);
            return out;
        }

        long bytes() {
            return 4L * rows.length + (w == null ? 0 : 3L * 4 * w.length);
        }
    }

    /** Runs batches [round·K, round·K + K) of the shard's epoch plan from {@code start}. */
    static Result round(Plan plan, State start, Shard shard, int shardIndex, int epoch, int round, double lossSum) {
        long t0 = System.nanoTime();
        Sequential model = plan.build();
        List<Param> params = model.params();
        Adam adam = Adam.keras(plan.learningRate());
        int[][] batches = shard.batches(plan, epoch, shardIndex);
        int from = Math.min(batches.length, round * plan.syncEvery());
        int to = Math.min(batches.length, from + plan.syncEvery());
        long correct = 0;
        long seen = 0;
        long tokens = 0;
        EncodedDataset data = new EncodedDataset(shard.tokens(), shard.labels(), plan.numClasses());
        java.util.BitSet touched = new java.util.BitSet(plan.vocabSize()); // combine needs each shard's rows
        try (Trainer trainer = new Trainer(model, adam, plan.threads())) {
            trainer.lazyEmbeddingUpdates(plan.lazyEmbeddingAdam()).clipNorm(plan.clipNorm());
            start.into(params, adam); // after lazyEmbeddingUpdates, which only marks the embedding lazy
            for (int b = from; b < to; b++) {
                EncodedDataset rows = data.select(batches[b]);
                int[][] x = rows.tokens();
                // Trainer.fit's dropout seed for (seed, epoch, batch), moved by the shard index.
                long dropoutSeed = (plan.seed() + shardIndex * SHARD_STRIDE) * 1_000_003L + (long) epoch * 100_003L + b;
                Trainer.Step r = trainer.trainStep(x, rows.labels(), dropoutSeed);
                for (int[] ids : x) for (int id : ids) touched.set(id);
                lossSum += r.loss() * x.length;
                correct += r.correct();
                seen += x.length;
                tokens += rows.realTokens();
                if (!Double.isFinite(r.loss())) break; // the driver reports it
            }
        }
        State end = State.of(params, adam);
        int e = params.indexOf(model.embedding().weight());
        Rows rows = Rows.idsOnly(e, model.embedding().dim(), touched.stream().toArray());
        if (plan.touchedRowsOnly()) {
            rows = Rows.of(e, model.embedding().dim(), rows.rows(), end);
            end.weights()[e] = null; // sent as rows instead
            end.m()[e] = null;
            end.v()[e] = null;
        }
        return new Result(shardIndex, end, to - from, lossSum, correct, seen, tokens, (System.nanoTime() - t0) / 1e9, rows);
    }

    /**
     * How the shards' changes are combined after a round. Each parameter's new value is the start plus f(c) times
     * the mean change of the c shards that contributed to it: every shard for the dense parameters, and for an
     * embedding row only the shards whose batches used that row (a word one shard saw is not diluted by the
     * shards that did not; a row no shard used keeps the momentum drift every shard applied alike). Adam's
     * moments are the contributors' mean in every mode.
     */
    enum Combine {
        /**
         * f(c) = 1: the contributors' mean (federated averaging); a round moves about as far as one shard's K
         * steps. The default: with the batch split across the partitions (splitBatch) that is as far as K steps
         * of one machine with the whole batch.
         */
        MEAN,
        /** f(c) = √c: between the two, for shards that each take a whole batch per step (splitBatch off). */
        SQRT,
        /** f(c) = c: the start plus every contributor's change, as if their steps were taken one after another. */
        SUM;

        double factor(int contributors) {
            return switch (this) {
                case MEAN -> 1;
                case SQRT -> Math.sqrt(contributors);
                case SUM -> contributors;
            };
        }
    }

    /**
     * Combines the states of the shards that took at least one step, in shard order (so the result is the
     * same for every run with the same shards); Adam's step count advances by the most steps any shard took.
     * One shard's state is returned as it is.
     */
    static State combine(State start, List<Result> results, Combine how) {
        List<Result> active = results.stream().filter(r -> r.steps() > 0)
                .map(r -> new Result(r.shard(), r.full(start), r.steps(), r.lossSum(), r.correct(), r.seen(), r.tokens(), r.computeSeconds(),
                        r.embedding()))
                .toList();
        if (active.isEmpty()) return start;
        long iterations = start.iterations() + active.stream().mapToInt(Result::steps).max().orElse(0);
        if (active.size() == 1) {
            State s = active.get(0).state();
            return new State(s.weights(), s.m(), s.v(), iterations);
        }
        int n = start.weights().length;
        float[][] w = new float[n][];
        float[][] m = new float[n][];
        float[][] v = new float[n][];
        Rows rows = active.get(0).embedding();
        int emb = rows == null || active.stream().anyMatch(r -> r.embedding() == null) ? -1 : rows.param();
        for (int i = 0; i < n; i++) {
            if (i == emb) {
                float[][] e = byRow(start.weights()[i], active, i, rows.dim(), how);
                w[i] = e[0];
                m[i] = e[1];
                v[i] = e[2];
                continue;
            }
            m[i] = mean(active, i, State::m);
            v[i] = mean(active, i, State::v);
            w[i] = how == Combine.SUM ? sumOfChanges(start.weights()[i], active, i) : mean(active, i, State::weights);
            if (how == Combine.SQRT) scale(start.weights()[i], w[i], how.factor(active.size()));
        }
        return new State(w, m, v, iterations);
    }

    /** Moves {@code w} to start + f · (w − start). */
    private static void scale(float[] start, float[] w, double f) {
        for (int j = 0; j < w.length; j++) w[j] = (float) (start[j] + f * ((double) w[j] - start[j]));
    }

    /**
     * The embedding's weights and moments, row by row (see {@link Combine}): a row some shards used from those
     * shards only; a row none used from all of them.
     */
    private static float[][] byRow(float[] start, List<Result> rs, int param, int dim, Combine how) {
        float[] w = new float[start.length];
        float[] m = new float[start.length];
        float[] v = new float[start.length];
        int total = w.length / dim;
        int[] count = new int[total];
        for (Result r : rs) for (int row : r.embedding().rows()) count[row]++;
        int[][] who = new int[total][];
        for (int row = 0; row < total; row++) if (count[row] > 0) who[row] = new int[count[row]];
        int[] filled = new int[total];
        for (int s = 0; s < rs.size(); s++) {
            for (int row : rs.get(s).embedding().rows()) who[row][filled[row]++] = s;
        }
        float k = rs.size();
        for (int row = 0; row < total; row++) {
            int c = count[row];
            int at = row * dim;
            if (c == 0) {
                // Nobody's gradient, only Adam's momentum drift, the same on every shard that took as many steps:
                // the mean, not scaled (the moments as mean() takes them).
                for (int j = at; j < at + dim; j++) {
                    double sw = 0;
                    float sm = rs.get(0).state().m()[param][j];
                    float sv = rs.get(0).state().v()[param][j];
                    for (int s = 0; s < rs.size(); s++) {
                        State st = rs.get(s).state();
                        sw += st.weights()[param][j];
                        if (s > 0) {
                            sm += st.m()[param][j];
                            sv += st.v()[param][j];
                        }
                    }
                    w[j] = (float) (sw / rs.size());
                    m[j] = sm / k;
                    v[j] = sv / k;
                }
                continue;
            }
            for (int j = at; j < at + dim; j++) {
                double sw = 0, sm = 0, sv = 0;
                for (int s : who[row]) {
                    State st = rs.get(s).state();
                    sw += st.weights()[param][j] - (double) start[j];
                    sm += st.m()[param][j];
                    sv += st.v()[param][j];
                }
                w[j] = (float) (start[j] + how.factor(c) * (sw / c));
                m[j] = (float) (sm / c);
                v[j] = (float) (sv / c);
            }
        }
        return new float[][] {w, m, v};
    }

    private static float[] sumOfChanges(float[] start, List<Result> rs, int param) {
        float[] out = start.clone();
        for (Result r : rs) {
            float[] a = r.state().weights()[param];
            for (int j = 0; j < out.length; j++) out[j] += a[j] - start[j];
        }
        return out;
    }

    private static float[] mean(List<Result> rs, int param, java.util.function.Function<State, float[][]> part) {
        float[] sum = part.apply(rs.get(0).state())[param].clone();
        for (int r = 1; r < rs.size(); r++) {
            float[] a = part.apply(rs.get(r).state())[param];
            for (int j = 0; j < sum.length; j++) sum[j] += a[j];
        }
        float k = rs.size();
        for (int j = 0; j < sum.length; j++) sum[j] /= k;
        return sum;
    }
}
