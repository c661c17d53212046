// One tagger training run end to end (issue 15, point 3): read token-per-line files, adapt the vocabulary
// on the training tokens as written, take the tag set from the training file, build a per-step model, fit
// it with the shared per-step loop (Trainer.fitSteps), and score its per-token loss and accuracy on the test
// file (eval.TagEvaluator, a package above this one, adds per-tag and entity F1). TrainJob's twin for
// taggers, sharing its checkpoints (Checkpoint.start); deliberately without TrainJob's AG News, column and
// pretrained-embedding machinery, which a tagger does not use yet.
package org.jrnn.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.jrnn.data.ConllReader;
import org.jrnn.data.StepDataset;
import org.jrnn.data.TaggedSentence;
import org.jrnn.data.TextField;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.io.SavedModel;
import org.jrnn.model.ArchitectureException;
import org.jrnn.model.EpochMetrics;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.nn.Sequential;
import org.jrnn.optim.Adam;
import org.jrnn.text.TextVectorizer;

/** Trains a tagger: {@link #prepare}, then {@link #run}; the result saves as a model of task {@code tag}. */
public final class TagTraining {
    private TagTraining() {}

    /**
     * A tagger preset: the layers for K tags, batch size and epochs.
     *
     * @param model the architecture for a tag set of K tags (the per-step head has K units)
     */
    public record Preset(String name, String description, IntFunction<ModelSpec> model, int batchSize, int epochs) {}

    private static final Map<String, Preset> PRESETS = new LinkedHashMap<>();

    static {
        // The classic neural NER tagger (Huang, Xu & Yu 2015, "Bidirectional LSTM-CRF Models for Sequence
        // Tagging", without the CRF): each token's tag sees the whole sentence, left and right. Masked, so
        // padding has no output; small enough to train on the example in seconds.
        add(new Preset("bilstm_tagger", "Embedding(64), Bidirectional LSTM(64) per step, TimeDistributed(Dense(tags))",
                k -> new ModelSpec(64, true, List.of(LayerSpec.bidirectional(LayerSpec.rnn("LSTM", 64, true)), LayerSpec.timeDistributed(k))),
                8, 10));
        // A left-to-right tagger: a tag sees only the tokens before it (and itself); the baseline that
        // shows what the backward direction adds.
        add(new Preset("lstm_tagger", "Embedding(64), LSTM(64) per step, TimeDistributed(Dense(tags))",
                k -> new ModelSpec(64, true, List.of(LayerSpec.rnn("LSTM", 64, true), LayerSpec.timeDistributed(k))), 8, 10));
    }

    private static void add(Preset p) {
        PRESETS.put(p.name(), p);
    }

    public static final String DEFAULT_PRESET = "bilstm_tagger";

    /** @throws InvalidOptionException for an unknown name, listing the tagger presets */
    public static Preset preset(String name) {
        Preset p = PRESETS.get(name);
        if (p == null) {
            throw new InvalidOptionException(n -> "unknown tagger preset '" + name + "', expected one of " + String.join(", ", PRESETS.keySet()));
        }
        return p;
    }

    public static List<Preset> presets() {
        return List.copyOf(PRESETS.values());
    }

    /**
     * A run's settings, validated here (names as {@code cli/Flags} maps them).
     *
     * @param testFile scored after training and used as validation data each epoch (the lesson's choice), or null
     * @param model an architecture ending in {@code TimeDistributed(Dense(K))} replacing the preset's, or null
     * @param epochs 0 = the preset's
     * @param batchSize 0 = the preset's
     * @param patience early stopping on the test file's loss (0 = off)
     * @param checkpointDir save checkpoints here (see {@link RunConfig}), or null for none
     * @param checkpointEvery optimizer steps between checkpoints (0 = at epoch ends only)
     * @param resume continue the checkpoint in {@code checkpointDir}
     */
    public record Config(Path trainFile, Path testFile, Preset preset, ModelSpec model, int vocabSize, TextVectorizer.TieOrder ties,
                         int epochs, int batchSize, double learningRate, long seed, int threads, double clipNorm, int patience,
                         Path checkpointDir, int checkpointEvery, boolean resume) {
        /** Without checkpoints. */
        public Config(Path trainFile, Path testFile, Preset preset, ModelSpec model, int vocabSize, TextVectorizer.TieOrder ties,
                      int epochs, int batchSize, double learningRate, long seed, int threads, double clipNorm, int patience) {
            this(trainFile, testFile, preset, model, vocabSize, ties, epochs, batchSize, learningRate, seed, threads, clipNorm, patience,
                    null, RunConfig.DEFAULT_CHECKPOINT_EVERY, false);
        }

        public Config {
            if (trainFile == null) throw InvalidOptionException.of("trainFile", "is required to train a tagger (a token-per-line file)");
            if (preset == null) throw new IllegalArgumentException("preset is required");
            if (ties == null) throw new IllegalArgumentException("ties is required");
            if (epochs == 0) epochs = preset.epochs();
            if (batchSize == 0) batchSize = preset.batchSize();
            if (epochs < 1) throw InvalidOptionException.of("epochs", "must be >= 1, received: " + epochs);
            if (batchSize < 1) throw InvalidOptionException.of("batchSize", "must be >= 1, received: " + batchSize);
            if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
                throw InvalidOptionException.of("learningRate", "must be a positive number, received: " + learningRate);
            }
            if (vocabSize < 2) throw InvalidOptionException.of("vocabSize", "must be >= 2, received: " + vocabSize);
            if (threads < 1) throw InvalidOptionException.of("threads", "must be >= 1, received: " + threads);
            if (!(clipNorm >= 0)) throw InvalidOptionException.of("clipNorm", "must be >= 0, received: " + clipNorm);
            if (patience < 0) throw InvalidOptionException.of("patience", "must be >= 0, received: " + patience);
            if (patience > 0 && testFile == null) {
                throw new InvalidOptionException(n -> n.apply("patience") + " needs " + n.apply("testFile") + " (its loss decides when to stop)");
            }
            runConfig(threads, checkpointDir, checkpointEvery, resume); // validates them
        }

        private static RunConfig runConfig(int threads, Path checkpointDir, int checkpointEvery, boolean resume) {
            return new RunConfig(threads, checkpointDir, checkpointEvery, resume);
        }

        /** Threads and checkpoints as a {@link RunConfig}. */
        public RunConfig runConfig() {
            return runConfig(threads, checkpointDir, checkpointEvery, resume);
        }

        /**
         * The run as its checkpoints record it (task {@code tag}): the settings that decide the numbers in the
         * fingerprint; the vocabulary, the tags and the architecture as the {@code run} entries.
         */
        public Checkpoint.Identity identity(Prepared data) {
            String settings = String.join(";", "seed=" + seed, "batch=" + batchSize, "threads=" + threads, "lr=" + learningRate,
                    "clip=" + clipNorm, "patience=" + patience, "vocab_size=" + vocabSize, "ties=" + ties,
                    "train_sentences=" + data.train().size(), "test_sentences=" + (data.test() == null ? "none" : data.test().size()));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("spec", Checkpoint.specJson(data.model()));
            r.put("tags", data.tagNames());
            r.put("vocabulary", data.vectorizer().vocabulary());
            return new Checkpoint.Identity("tag", new TrainConfig.Fingerprint(settings, org.jrnn.kernels.Kernels.numerics()), r);
        }
    }

    /**
     * Data read and encoded.
     *
     * @param test the test sentences, or null without a test file
     * @param model the architecture to build, its head sized to the tag set
     */
    public record Prepared(TextVectorizer vectorizer, List<String> tagNames, List<TaggedSentence> trainSentences,
                           List<TaggedSentence> testSentences, StepDataset train, StepDataset test, ModelSpec model, double seconds) {}

    /**
     * Reads the files, adapts the vocabulary (tokens as written, {@link TextVectorizer#adaptTokens}),
     * takes the tags from the training file (sorted), and sizes the model's head to them.
     *
     * @throws org.jrnn.data.DataFormatException for bad files, naming file and line (a test tag the
     *     training file does not have included)
     * @throws InvalidOptionException for an architecture that is not a tagger's or does not fit the tags
     */
    public static Prepared prepare(Config c) throws IOException {
        long t0 = System.nanoTime();
        List<TaggedSentence> train = ConllReader.read(c.trainFile());
        List<String> tags = ConllReader.tagSet(train);
        if (tags.size() < 2) {
            throw new org.jrnn.data.DataFormatException(c.trainFile().toString(), "needs at least 2 tags, found " + tags.size() + ": " + tags);
        }
        List<TaggedSentence> test = c.testFile() == null ? null : ConllReader.read(c.testFile());
        TextVectorizer vec = TextVectorizer.adaptTokens(train.stream().map(TaggedSentence::tokens).toList(), c.vocabSize(), c.ties());
        StepDataset tr = encode(train, vec, tags, c.trainFile().toString(), "the training data");
        StepDataset te = test == null ? null : encode(test, vec, tags, c.testFile().toString(), "the training data");
        ModelSpec spec = c.model() != null ? c.model() : c.preset().model().apply(tags.size());
        checkTagger(spec, tags, vec.size());
        return new Prepared(vec, tags, train, test, tr, te, spec, (System.nanoTime() - t0) / 1e9);
    }

    static StepDataset encode(List<TaggedSentence> sentences, TextVectorizer vec, List<String> tags, String file, String knownFrom) {
        int[][] tokens = new int[sentences.size()][];
        for (int i = 0; i < tokens.length; i++) tokens[i] = vec.encodeTokens(sentences.get(i).tokens());
        return new StepDataset(tokens, ConllReader.tagIds(sentences, tags, file, knownFrom), tags.size());
    }

    /** An architecture for this tag set: ends in TimeDistributed with one unit per tag, and builds. */
    private static void checkTagger(ModelSpec spec, List<String> tags, int vocabSize) {
        if (!spec.perStep()) {
            throw new InvalidOptionException(n -> n.apply("model") + ": a tagger's layers end in {\"type\": \"TimeDistributed\", \"layer\": "
                    + "{\"type\": \"Dense\", \"units\": " + tags.size() + "}} (one output per token)");
        }
        List<LayerSpec> layers = spec.layers();
        Integer units = layers.get(layers.size() - 1).layer() == null ? null : layers.get(layers.size() - 1).layer().units();
        if (units == null || units != tags.size()) {
            throw new InvalidOptionException(n -> n.apply("model") + ": the TimeDistributed head has " + units + " units, but the training data has "
                    + tags.size() + " tags (" + String.join(", ", tags) + ")");
        }
        try {
            spec.paramShapes(vocabSize, tags.size());
        } catch (ArchitectureException e) {
            throw new InvalidOptionException(n -> n.apply("model") + ": " + e.getMessage());
        }
    }

    /**
     * What a run produced.
     *
     * @param test the test file's per-token loss and accuracy, or null without a test file
     */
    public record Result(Config config, Prepared data, Sequential model, List<EpochMetrics> history, Evaluation test) {
        public EpochMetrics last() {
            return history.get(history.size() - 1);
        }

        /** The tagger as a model file holds it: task tag, the tag names, the run's settings and history, stamped now. */
        public SavedModel toSavedModel() {
            SavedModel.Training t = new SavedModel.Training(config.model() != null ? "custom" : config.preset().name(),
                    config.trainFile().toString(), history.size(), config.seed(), config.batchSize(), config.learningRate(),
                    data.train().size(), data.test() == null ? null : data.test().size(), history);
            return new SavedModel(data.model(), data.vectorizer(), Math.max(config.vocabSize(), data.vectorizer().size()), TextField.TITLE,
                    data.tagNames(), model, t, SavedModel.now(), SavedModel.producerName(), SavedModel.Task.TAG);
        }
    }

    /**
     * Builds the model (seeded), fits it with {@link Trainer#fitSteps} and scores it per token on the test file.
     * With {@code c.checkpointDir()} it saves checkpoints there and, with {@code resume}, continues the one found.
     */
    public static Result run(Config c, Prepared data, TrainingListener listener) throws IOException {
        Sequential model = data.model().build(data.vectorizer().size(), data.tagNames().size(), c.seed());
        List<EpochMetrics> history;
        Evaluation test;
        try (Trainer trainer = new Trainer(model, Adam.keras(c.learningRate()), c.threads()).clipNorm(c.clipNorm())
                .earlyStopping(c.patience())) {
            Checkpoint.Start start = Checkpoint.start(c.runConfig(), c.identity(data), trainer, listener);
            history = trainer.fitSteps(new Trainer.StepFit(data.train(), data.test(), c.epochs(), c.batchSize(), c.seed()), listener,
                    start.state(), start.sink());
            test = data.test() == null ? null : trainer.evaluateSteps(data.test(), 256);
        }
        return new Result(c, data, model, history, test);
    }
}
