// A loaded language model as a text generator: prompt in, tokens out one at a time. The recurrent state
// is carried between tokens (Sequential.startSteps/step): the prompt is read once, then each new token
// costs one step of the network and one softmax over V, never a pass over the prefix. Not a server and
// not thread-safe per stream; one Generator may start any number of streams, on any threads.
package org.jrnn.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.io.ModelFile;
import org.jrnn.io.SavedLanguageModel;
import org.jrnn.nn.Matrix;
import org.jrnn.nn.Sequential;
import org.jrnn.text.LmVocabulary;

/**
 * Generates text with a {@link SavedLanguageModel}.
 *
 * <pre>{@code
 * Generator g = Generator.load(Path.of("lm.jrnn"));
 * Generator.Generation s = g.start("Stocks ", new Generator.Options(100, 0.8, 0, 1.0, 42, 1));
 * for (String t; (t = s.next()) != null; ) System.out.print(t);
 * g.generate("Stocks ", Generator.Options.greedy(100)); // the whole continuation at once
 * }</pre>
 *
 * <p>Sampling: logits / temperature, then top-k (k most likely tokens), then top-p (the smallest set of
 * most likely tokens whose probability reaches p), then one draw; temperature 0 is greedy (argmax),
 * deterministic. Padding, [BOS] and [UNK] are never produced; a stream ends when it produces [EOS] or
 * after {@code maxTokens}. A prompt is read after [BOS], as the model was trained: the empty prompt
 * starts a text from scratch. Prompt tokens outside the vocabulary: a char model refuses the prompt
 * (its vocabulary holds every character of the training texts, so an unknown one is a typo or another
 * script), a word model reads them as [UNK] (its vocabulary is cut at the most frequent words).
 */
public final class Generator {
    private final SavedLanguageModel saved;
    private final Sequential model;
    private final LmVocabulary vocab;
    private final Sequential.StepPlan plan; // the weights' stepping forms, once per model: they never change here

    public Generator(SavedLanguageModel saved) {
        this.saved = saved;
        this.model = saved.model();
        this.vocab = saved.vocabulary();
        this.plan = model.planSteps(); // refuses a model that cannot step (Bidirectional) now rather than at the first prompt
    }

    /** @throws org.jrnn.io.ModelFormatException for a file that is not a language model (a classifier's included) */
    public static Generator load(Path file) throws IOException {
        return new Generator(ModelFile.loadLanguageModel(file));
    }

    public SavedLanguageModel model() {
        return saved;
    }

    /**
     * How to generate.
     *
     * @param maxTokens tokens per stream at most (the stream may end sooner with [EOS])
     * @param temperature 0 = greedy; otherwise logits are divided by it (lower: safer, higher: wilder)
     * @param topK sample among the k most likely tokens only (0 = all)
     * @param topP sample among the most likely tokens whose probabilities sum to p (1 = all)
     * @param seed the draws' seed: the same seed, prompt and options give the same text
     * @param streams independent samples generated together, as one batch
     */
    public record Options(int maxTokens, double temperature, int topK, double topP, long seed, int streams) {
        public Options {
            if (maxTokens < 1) throw InvalidOptionException.of("maxNewTokens", "must be >= 1, received: " + maxTokens);
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw InvalidOptionException.of("temperature", "must be >= 0 and finite (0 = greedy), received: " + temperature);
            }
            if (topK < 0) throw InvalidOptionException.of("topK", "must be >= 0 (0 = all tokens), received: " + topK);
            if (!(topP > 0 && topP <= 1)) throw InvalidOptionException.of("topP", "must be in (0, 1] (1 = all tokens), received: " + topP);
            if (streams < 1) throw InvalidOptionException.of("streams", "must be >= 1, received: " + streams);
        }

        /** Greedy decoding of one stream. */
        public static Options greedy(int maxTokens) {
            return new Options(maxTokens, 0, 0, 1, 0, 1);
        }
    }

    /** The whole continuation of {@code prompt} for stream 0 (without the prompt). */
    public String generate(String prompt, Options options) {
        return generateAll(prompt, options).get(0);
    }

    /** The whole continuation of every stream. */
    public List<String> generateAll(String prompt, Options options) {
        Generation g = start(prompt, options);
        StringBuilder[] out = new StringBuilder[options.streams()];
        for (int i = 0; i < out.length; i++) out[i] = new StringBuilder();
        for (String[] t; (t = g.nextAll()) != null; ) {
            for (int i = 0; i < t.length; i++) if (t[i] != null) out[i].append(t[i]);
        }
        return Arrays.stream(out).map(StringBuilder::toString).collect(Collectors.toList());
    }

    /**
     * Reads [BOS] and the prompt into {@code options.streams()} streams and returns them, ready to produce.
     *
     * @throws InvalidOptionException (setting {@code prompt}) for characters a char model does not know
     */
    public Generation start(String prompt, Options options) {
        if (vocab.kind() == LmVocabulary.Tokens.CHAR) {
            List<String> unknown = vocab.unknown(prompt);
            if (!unknown.isEmpty()) {
                throw InvalidOptionException.of("prompt", "has characters the model's vocabulary does not hold: "
                        + unknown.stream().map(Generator::quoted).collect(Collectors.joining(", ")));
            }
        }
        return new Generation(vocab.encode(prompt), options);
    }

    private static String quoted(String c) {
        int cp = c.codePointAt(0);
        return String.format("'%s' (U+%04X)", c, cp);
    }

    /**
     * Streams of one {@link #start} call; not thread-safe. Call {@link #next} (one stream) or
     * {@link #nextAll} (any number) until it returns null.
     */
    public final class Generation {
        private final Options options;
        private final Sequential.StepState state;
        private final SplittableRandom[] rngs;
        private final boolean[] done;
        private final int[] produced;
        private final float[] probs;  // (V) scratch
        private final Integer[] order; // (V) scratch for top-k / top-p
        private final int[] next;      // (B) the tokens of the coming step
        private final boolean promptEmpty;
        private Matrix logits;         // (B, V) of the last step, the state's buffer
        private int running;

        private Generation(int[] promptIds, Options options) {
            this.options = options;
            int b = options.streams();
            state = model.startSteps(b, plan);
            rngs = new SplittableRandom[b];
            SplittableRandom root = new SplittableRandom(options.seed());
            for (int i = 0; i < b; i++) rngs[i] = root.split(); // stream i's draws depend on (seed, i) only
            done = new boolean[b];
            produced = new int[b];
            next = new int[b];
            probs = new float[vocab.size()];
            order = new Integer[vocab.size()];
            promptEmpty = promptIds.length == 0;
            running = b;
            int[] tokens = new int[b];
            Arrays.fill(tokens, LmVocabulary.BOS);
            logits = model.step(state, tokens);
            for (int id : promptIds) {
                Arrays.fill(tokens, id);
                logits = model.step(state, tokens);
            }
        }

        public int streams() {
            return done.length;
        }

        /** The next token of the only stream, or null when it has ended. */
        public String next() {
            if (done.length != 1) throw new IllegalStateException("this generation has " + done.length + " streams: use nextAll()");
            String[] t = nextAll();
            return t == null ? null : t[0];
        }

        /**
         * The next token of every stream (null for a stream that has ended), or null when all have
         * ended. One step of the network for all running streams.
         */
        public String[] nextAll() {
            if (running == 0) return null;
            int b = done.length;
            int v = vocab.size();
            String[] out = new String[b];
            for (int s = 0; s < b; s++) {
                next[s] = LmVocabulary.PAD; // an ended stream keeps stepping on padding: its row is ignored
                if (done[s]) continue;
                int id = pick(logits.data, s * v, v, rngs[s]);
                if (id == LmVocabulary.EOS) {
                    done[s] = true;
                    running--;
                    continue;
                }
                boolean space = vocab.kind() == LmVocabulary.Tokens.WORD && !(promptEmpty && produced[s] == 0);
                out[s] = space ? " " + vocab.token(id) : vocab.token(id);
                next[s] = id;
                if (++produced[s] >= options.maxTokens()) {
                    done[s] = true;
                    running--;
                }
            }
            if (running > 0) logits = model.step(state, next);
            boolean any = false;
            for (String t : out) any |= t != null;
            return any || running > 0 ? out : null;
        }

        /** Samples (or, at temperature 0, takes the argmax of) one row of logits; never padding, [UNK] or [BOS]. */
        private int pick(float[] z, int o, int v, SplittableRandom rng) {
            if (options.temperature() == 0) {
                int best = -1;
                for (int j = 0; j < v; j++) {
                    if (banned(j)) continue;
                    if (best < 0 || z[o + j] > z[o + best]) best = j;
                }
                return best;
            }
            double inv = 1 / options.temperature();
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) if (!banned(j)) max = Math.max(max, z[o + j]);
            double sum = 0;
            for (int j = 0; j < v; j++) {
                probs[j] = banned(j) ? 0f : (float) Math.exp((z[o + j] - max) * inv);
                sum += probs[j];
            }
            int k = options.topK();
            double p = options.topP();
            if ((k > 0 && k < v) || p < 1) {
                for (int j = 0; j < v; j++) order[j] = j;
                Arrays.sort(order, (a, c) -> Float.compare(probs[c], probs[a])); // most likely first, stable
                int keep = k > 0 ? Math.min(k, v) : v;
                if (p < 1) {
                    double cum = 0;
                    int n = 0;
                    while (n < keep && cum < p * sum) cum += probs[order[n++]];
                    keep = Math.max(1, n);
                }
                double kept = 0;
                for (int r = 0; r < v; r++) {
                    if (r >= keep) probs[order[r]] = 0f;
                    else kept += probs[order[r]];
                }
                sum = kept;
            }
            double u = rng.nextDouble() * sum;
            int last = -1;
            for (int j = 0; j < v; j++) {
                if (probs[j] == 0f) continue;
                last = j;
                u -= probs[j];
                if (u < 0) return j;
            }
            return last; // rounding left u a hair above 0: the last token with mass
        }

        private boolean banned(int id) {
            return id == LmVocabulary.PAD || id == LmVocabulary.BOS || id == LmVocabulary.UNK;
        }
    }
}
