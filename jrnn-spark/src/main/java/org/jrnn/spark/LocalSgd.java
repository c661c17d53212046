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
            if (embedding == null) return state;
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

        float[] apply(float[] start, float[] values) {
            float[] out = start.clone();
            for (int r = 0; r < rows.length; r++) System.arraycopy(values, r * dim, out, rows[r] * dim, dim);
            return out;
        }

        long bytes() {
            return 4L * rows.length + 3L * 4 * w.length;
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
        java.util.BitSet touched = plan.touchedRowsOnly() ? new java.util.BitSet(plan.vocabSize()) : null;
        try (Trainer trainer = new Trainer(model, adam, plan.threads())) {
            trainer.lazyEmbeddingUpdates(plan.lazyEmbeddingAdam()).clipNorm(plan.clipNorm());
            start.into(params, adam); // after lazyEmbeddingUpdates, which only marks the embedding lazy
            for (int b = from; b < to; b++) {
                EncodedDataset rows = data.select(batches[b]);
                int[][] x = rows.tokens();
                // Trainer.fit's dropout seed for (seed, epoch, batch), moved by the shard index.
                long dropoutSeed = (plan.seed() + shardIndex * SHARD_STRIDE) * 1_000_003L + (long) epoch * 100_003L + b;
                Trainer.Step r = trainer.trainStep(x, rows.labels(), dropoutSeed);
                if (touched != null) {
                    for (int[] ids : x) for (int id : ids) touched.set(id);
                }
                lossSum += r.loss() * x.length;
                correct += r.correct();
                seen += x.length;
                tokens += rows.realTokens();
                if (!Double.isFinite(r.loss())) break; // the driver reports it
            }
        }
        State end = State.of(params, adam);
        Rows rows = null;
        if (touched != null) {
            int e = params.indexOf(model.embedding().weight());
            rows = Rows.of(e, model.embedding().dim(), touched.stream().toArray(), end);
            end.weights()[e] = null; // sent as rows instead
            end.m()[e] = null;
            end.v()[e] = null;
        }
        return new Result(shardIndex, end, to - from, lossSum, correct, seen, tokens, (System.nanoTime() - t0) / 1e9, rows);
    }

    /** How the shards' weights are combined after a round; Adam's moments are averaged either way. */
    enum Combine {
        /** The mean of the shards' weights (federated averaging): each round moves as far as one shard's K steps. */
        MEAN,
        /**
         * The start plus every shard's change: each round moves as far as P·K steps would, as if the shards'
         * steps were taken one after another from the round's start weights.
         */
        SUM
    }

    /**
     * Combines the states of the shards that took at least one step, in shard order (so the result is the
     * same for every run with the same shards); Adam's moments are their mean, and its step count advances by
     * the most steps any shard took. One shard's state is returned as it is.
     */
    static State average(State start, List<Result> results) {
        return combine(start, results, Combine.MEAN);
    }

    static State combine(State start, List<Result> results, Combine how) {
        List<Result> active = results.stream().filter(r -> r.steps() > 0)
                .map(r -> new Result(r.shard(), r.full(start), r.steps(), r.lossSum(), r.correct(), r.seen(), r.tokens(), r.computeSeconds()))
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
        for (int i = 0; i < n; i++) {
            w[i] = how == Combine.MEAN ? mean(active, i, State::weights) : sumOfChanges(start.weights()[i], active, i);
            m[i] = mean(active, i, State::m);
            v[i] = mean(active, i, State::v);
        }
        return new State(w, m, v, iterations);
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
