package org.jrnn.train;

import org.jrnn.io.SavedModel;
import org.jrnn.model.ModelSpec;
import org.jrnn.model.EpochMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jrnn.data.EncodedDataset;
import org.jrnn.data.Example;
import org.jrnn.data.TextField;
import org.jrnn.nn.Embedding;
import org.jrnn.nn.Sequential;
import org.jrnn.optim.Adam;
import org.jrnn.text.TextVectorizer;
import org.jrnn.text.WordVectors;

/**
 * One training run end to end: read data, adapt the vocabulary, encode, build the model,
 * fit, evaluate on the test set (the lesson's validation data), or on the held-out split when
 * there is no test file. The CLI and tests call this.
 */
public final class TrainJob {
    private TrainJob() {}

    /**
     * What a run produced. {@code test} is the test file's figures, or the held-out split's when
     * {@code testIsValidation} (no test file).
     */
    public record Result(TrainConfig config, String dataName, TextVectorizer vectorizer, Sequential model,
                         List<EpochMetrics> history, int trainRows, int testRows, double prepSeconds,
                         Evaluation test, boolean separateValidation, List<String> classNames, boolean testIsValidation) {
        public EpochMetrics last() {
            return history.get(history.size() - 1);
        }

        /** The trained model as a model file holds it: the data's class names, the run's settings and history, stamped now. */
        public SavedModel toSavedModel() {
            var c = config;
            SavedModel.Training t = new SavedModel.Training(c.preset().name(), dataName, history.size(), c.seed(),
                    c.effectiveBatchSize(), c.learningRate(), trainRows, testRows, history);
            return new SavedModel(c.model(), vectorizer, Math.max(c.vocabSize(), vectorizer.size()), c.text(),
                    classNames, model, t, SavedModel.now(), SavedModel.producerName());
        }
    }

    /**
     * Data read and encoded, ready to train.
     *
     * @param classNames the training data's classes, in label order
     * @param format how the training file was read, for the user
     * @param testIsValidation true when there was no test file: {@code test} is then the held-out split
     * @param model the architecture to build: the config's, with embedding_dim taken from {@code embeddings}
     * @param embeddings pretrained vectors matched onto the vocabulary, or null
     */
    public record Prepared(String dataName, TextVectorizer vectorizer, EncodedDataset train, EncodedDataset validation,
                           EncodedDataset test, double seconds, List<String> classNames, String format, boolean testIsValidation,
                           ModelSpec model, WordVectors embeddings) {
        /** Validation data: the held-out split if there is one, else the test set (the lesson's choice). */
        public EncodedDataset validationOrTest() {
            return validation != null ? validation : test;
        }
    }

    public static Prepared prepare(TrainConfig cfg) throws IOException {
        long t0 = System.nanoTime();
        DataSource src = DataSource.load(cfg.dataDir(), cfg.trainFile(), cfg.testFile(), cfg.columns());
        List<Example> train = src.train();
        if (cfg.maxTrainSamples() > 0 && train.size() > cfg.maxTrainSamples()) {
            train = train.subList(0, cfg.maxTrainSamples());
        }
        int adapt = cfg.adaptRows() == 0 ? train.size() : Math.min(cfg.adaptRows(), train.size());
        // The vocabulary is adapted on title + description, as the PyTorch anchor does for every preset.
        List<String> adaptTexts = new ArrayList<>(adapt);
        for (int i = 0; i < adapt; i++) adaptTexts.add(train.get(i).text(TextField.TITLE_AND_DESCRIPTION));
        TextVectorizer vec = TextVectorizer.adapt(adaptTexts, cfg.vocabSize(), cfg.vocabTies());
        int k = src.classNames().size();
        EncodedDataset tr = encode(train, vec, cfg.text(), k);
        EncodedDataset te = src.test() == null ? null : encode(src.test(), vec, cfg.text(), k);
        EncodedDataset val = null;
        if (cfg.valSplit() > 0) {
            // A seeded shuffle decides the held-out rows; the vocabulary above saw them, as Keras' adapt on the full train split would.
            int[] perm = Shuffle.permutation(tr.size(), cfg.seed() ^ 0x2545F4914F6CDD1DL);
            int held = (int) Math.round(tr.size() * cfg.valSplit());
            if (held < 1 || held >= tr.size()) {
                throw new IllegalArgumentException("--val-split " + cfg.valSplit() + " leaves " + held + " of " + tr.size() + " rows for validation");
            }
            val = tr.select(java.util.Arrays.copyOfRange(perm, tr.size() - held, tr.size()));
            tr = tr.select(java.util.Arrays.copyOfRange(perm, 0, tr.size() - held));
        }
        boolean testIsValidation = te == null;
        if (testIsValidation) te = val; // TrainConfig guarantees a split when there is no test file
        WordVectors vectors = null;
        ModelSpec spec = cfg.model();
        if (cfg.embeddings() != null) {
            vectors = WordVectors.read(cfg.embeddings(), vec.vocabulary());
            spec = new ModelSpec(vectors.dim(), spec.maskZero(), spec.layers());
        }
        return new Prepared(src.name(), vec, tr, val, te, (System.nanoTime() - t0) / 1e9, src.classNames(), src.format(), testIsValidation,
                spec, vectors);
    }

    /** AG News rows: 4 classes. */
    public static EncodedDataset encode(List<Example> rows, TextVectorizer vec, TextField field) {
        return encode(rows, vec, field, org.jrnn.data.AgNewsCsv.CLASS_NAMES.size());
    }

    /** Token ids of each row's text and its label, for {@code numClasses} classes. */
    public static EncodedDataset encode(List<Example> rows, TextVectorizer vec, TextField field, int numClasses) {
        int[][] tokens = new int[rows.size()][];
        int[] labels = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            tokens[i] = vec.encode(rows.get(i).text(field));
            labels[i] = rows.get(i).label();
        }
        return new EncodedDataset(tokens, labels, numClasses);
    }

    /**
     * Builds {@code data.model()} for the vocabulary and classes, seeded; with pretrained vectors their rows
     * replace the random ones of the tokens found (padding, [UNK] and the rest keep Keras' uniform
     * ±0.05), and {@code freezeEmbeddings} freezes the whole embedding (Trainer and Adam skip it).
     */
    public static Sequential buildModel(TrainConfig cfg, Prepared data) {
        Sequential m = data.model().build(data.vectorizer().size(), data.train().numClasses(), cfg.seed());
        if (data.embeddings() != null) {
            Embedding e = m.embedding();
            data.embeddings().copyInto(e.weight().data, e.vocabSize(), e.dim());
            e.weight().setFrozen(cfg.freezeEmbeddings());
        }
        return m;
    }

    /** Where and how often to checkpoint; {@code resume} continues the checkpoint found in dir. */
    public record Checkpointing(java.nio.file.Path dir, int everySteps, boolean resume) {
        public Checkpointing {
            if (everySteps < 0) throw new IllegalArgumentException("--checkpoint-every must be >= 0, received: " + everySteps);
        }
    }

    public static Result run(TrainConfig cfg, Prepared data, Sequential model, TrainingListener listener) throws IOException {
        return run(cfg, data, model, listener, null);
    }

    public static Result run(TrainConfig cfg, Prepared data, Sequential model, TrainingListener listener, Checkpointing ck)
            throws IOException {
        List<EpochMetrics> history;
        Evaluation test;
        Adam adam = Adam.keras(cfg.learningRate());
        try (Trainer trainer = new Trainer(model, adam, cfg.threads())
                .bucketBySequenceLength(cfg.bucket()).earlyStopping(cfg.patience())
                .lazyEmbeddingUpdates(cfg.lazyEmbeddingAdam()).clipNorm(cfg.clipNorm())) {
            TrainingState state = new TrainingState();
            Trainer.CheckpointSink sink = null;
            if (ck != null) {
                String fp = cfg.fingerprint(TrainConfig.TextVectorizerFingerprint.of(data.vectorizer()), data.train().size());
                List<org.jrnn.nn.Param> params = model.params();
                if (Checkpoint.exists(ck.dir())) {
                    if (!ck.resume()) {
                        throw new IllegalArgumentException(ck.dir() + " already holds a checkpoint: pass --resume to continue it, or choose another --checkpoint-dir");
                    }
                    state = Checkpoint.read(ck.dir(), fp, params, adam);
                    listener.resumed(state.epoch + 1, state.batch, state.step);
                }
                trainer.checkpointEvery(ck.everySteps());
                sink = st -> {
                    try {
                        Checkpoint.write(ck.dir(), fp, st, params, adam);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("cannot write checkpoint: " + e.getMessage(), e); // names the file
                    }
                };
            }
            history = trainer.fit(data.train(), data.validationOrTest(), cfg.epochs(), cfg.effectiveBatchSize(), cfg.seed(),
                    listener, state, sink);
            test = trainer.evaluate(data.test(), 256);
        }
        return new Result(cfg.withModel(data.model()), data.dataName(), data.vectorizer(), model, history, data.train().size(), data.test().size(),
                data.seconds(), test, data.validation() != null, data.classNames(), data.testIsValidation());
    }
}
