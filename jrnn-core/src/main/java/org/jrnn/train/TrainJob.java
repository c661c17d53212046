package org.jrnn.train;

import org.jrnn.errors.InvalidOptionException;
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
     * What a run's data was, for reports and model files.
     *
     * @param name where the rows came from (a folder, files, or the embedded sample)
     * @param format how the training file was read, for the user
     * @param classNames the training data's classes, in label order
     * @param trainRows rows trained on (after any held-out split)
     * @param validationRows rows held out for validation; 0 when the test set validates (the lesson's choice)
     * @param testIsValidation true when there was no test file: the held-out split gives the test figures too
     * @param seconds time to read, adapt and encode
     */
    public record DataSummary(String name, String format, List<String> classNames, int trainRows, int validationRows,
                              int testRows, boolean testIsValidation, double seconds) {
        public DataSummary {
            classNames = List.copyOf(classNames);
        }

        /** True when validation ran on held-out training rows rather than the test set. */
        public boolean separateValidation() {
            return validationRows > 0;
        }
    }

    /**
     * Data read and encoded, ready to train.
     *
     * @param validation the held-out split, or null when the test set validates
     * @param test the test file's rows, or the held-out split when there was no test file
     * @param model the architecture to build: the config's, with embedding_dim taken from {@code embeddings}
     * @param embeddings pretrained vectors matched onto the vocabulary, or null
     */
    public record Prepared(DataSummary summary, TextVectorizer vectorizer, EncodedDataset train, EncodedDataset validation,
                           EncodedDataset test, ModelSpec model, WordVectors embeddings) {
        /** Validation data: the held-out split if there is one, else the test set (the lesson's choice). */
        public EncodedDataset validationOrTest() {
            return validation != null ? validation : test;
        }
    }

    /**
     * What a run produced. {@code test} is the test file's figures, or the held-out split's when
     * {@code data.testIsValidation()} (no test file).
     *
     * @param config the run's settings, with the architecture actually built (pretrained vectors set its embedding_dim)
     */
    public record Result(TrainConfig config, DataSummary data, TextVectorizer vectorizer, Sequential model,
                         List<EpochMetrics> history, Evaluation test) {
        public EpochMetrics last() {
            return history.get(history.size() - 1);
        }

        /** The trained model as a model file holds it: the data's class names, the run's settings and history, stamped now. */
        public SavedModel toSavedModel() {
            var c = config;
            SavedModel.Training t = new SavedModel.Training(c.preset().name(), data.name(), history.size(), c.optim().seed(),
                    c.optim().batchSize(), c.optim().learningRate(), data.trainRows(), data.testRows(), history);
            return new SavedModel(c.model().spec(), vectorizer, Math.max(c.vocab().vocabSize(), vectorizer.size()), c.data().text(),
                    data.classNames(), model, t, SavedModel.now(), SavedModel.producerName());
        }
    }

    public static Prepared prepare(TrainConfig cfg) throws IOException {
        long t0 = System.nanoTime();
        DataConfig dc = cfg.data();
        DataSource src = DataSource.load(dc.dataDir(), dc.trainFile(), dc.testFile(), dc.columns());
        List<Example> train = src.train();
        if (dc.maxTrainSamples() > 0 && train.size() > dc.maxTrainSamples()) {
            train = train.subList(0, dc.maxTrainSamples());
        }
        int adapt = cfg.vocab().rowsToAdapt(train.size());
        // The vocabulary is adapted on title + description, as the PyTorch anchor does for every preset.
        List<String> adaptTexts = new ArrayList<>(adapt);
        for (int i = 0; i < adapt; i++) adaptTexts.add(train.get(i).text(TextField.TITLE_AND_DESCRIPTION));
        TextVectorizer vec = TextVectorizer.adapt(adaptTexts, cfg.vocab().vocabSize(), cfg.vocab().ties());
        int k = src.classNames().size();
        EncodedDataset tr = encode(train, vec, dc.text(), k);
        EncodedDataset te = src.test() == null ? null : encode(src.test(), vec, dc.text(), k);
        EncodedDataset val = null;
        if (dc.valSplit() > 0) {
            // A seeded shuffle decides the held-out rows; the vocabulary above saw them, as Keras' adapt on the full train split would.
            int[] perm = Shuffle.permutation(tr.size(), cfg.optim().seed() ^ 0x2545F4914F6CDD1DL);
            int held = (int) Math.round(tr.size() * dc.valSplit());
            if (held < 1 || held >= tr.size()) {
                int rows = tr.size();
                throw InvalidOptionException.of("valSplit", dc.valSplit() + " leaves " + held + " of " + rows + " rows for validation");
            }
            val = tr.select(java.util.Arrays.copyOfRange(perm, tr.size() - held, tr.size()));
            tr = tr.select(java.util.Arrays.copyOfRange(perm, 0, tr.size() - held));
        }
        boolean testIsValidation = te == null;
        if (testIsValidation) te = val; // DataConfig guarantees a split when there is no test file
        WordVectors vectors = null;
        ModelSpec spec = cfg.model().spec();
        if (cfg.model().embeddings() != null) {
            vectors = WordVectors.read(cfg.model().embeddings(), vec.vocabulary());
            spec = new ModelSpec(vectors.dim(), spec.maskZero(), spec.layers());
        }
        DataSummary summary = new DataSummary(src.name(), src.format(), src.classNames(), tr.size(), val == null ? 0 : val.size(),
                te.size(), testIsValidation, (System.nanoTime() - t0) / 1e9);
        return new Prepared(summary, vec, tr, val, te, spec, vectors);
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
        Sequential m = data.model().build(data.vectorizer().size(), data.train().numClasses(), cfg.optim().seed());
        if (data.embeddings() != null) {
            Embedding e = m.embedding();
            data.embeddings().copyInto(e.weight().data, e.vocabSize(), e.dim());
            e.weight().setFrozen(cfg.model().freezeEmbeddings());
        }
        return m;
    }

    /**
     * Fits {@code model} on the prepared data and scores it on the test data. With a checkpoint folder
     * in {@code cfg.run()} it saves checkpoints there and, with {@code resume}, continues the one found.
     */
    public static Result run(TrainConfig cfg, Prepared data, Sequential model, TrainingListener listener) throws IOException {
        List<EpochMetrics> history;
        Evaluation test;
        OptimConfig o = cfg.optim();
        RunConfig rc = cfg.run();
        Adam adam = Adam.keras(o.learningRate());
        try (Trainer trainer = new Trainer(model, adam, rc.threads())
                .bucketBySequenceLength(o.bucket()).earlyStopping(o.patience())
                .lazyEmbeddingUpdates(o.lazyEmbeddingAdam()).clipNorm(o.clipNorm())) {
            TrainConfig.Fingerprint fp = cfg.fingerprint(data.vectorizer(), data.train().size());
            Checkpoint.Start start = Checkpoint.start(rc, Checkpoint.Identity.classifier(fp), trainer, listener);
            history = trainer.fit(new Trainer.Fit(data.train(), data.validationOrTest(), o.epochs(), o.batchSize(), o.seed()),
                    listener, start.state(), start.sink());
            test = trainer.evaluate(data.test(), 256);
        }
        return new Result(cfg.withModel(data.model()), data.summary(), data.vectorizer(), model, history, test);
    }

    /** Why a resumed run will not match an uninterrupted one bit for bit. */
    static String numericsWarning(String saved, String now) {
        return (saved == null ? "the checkpoint does not record its kernels" : "the checkpoint was computed with " + saved + " kernels")
                + ", this run uses " + now + ": it continues, but not bit-identically to an uninterrupted run";
    }
}
