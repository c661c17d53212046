package org.jrnn.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jrnn.data.Example;
import org.jrnn.data.StepDataset;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.io.SavedLanguageModel;
import org.jrnn.io.SavedModel;
import org.jrnn.model.ArchitectureException;
import org.jrnn.model.EpochMetrics;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.nn.Sequential;
import org.jrnn.optim.Adam;
import org.jrnn.text.LmVocabulary;

/**
 * A language-model run end to end: read the texts of one column, adapt the token vocabulary, turn each
 * text into ([BOS] t1 … tn, t1 … tn [EOS]), fit with {@link Trainer#fitSteps} (which cuts long texts
 * into truncated-BPTT windows and carries the state between them), score the whole test texts. The loss is the mean next-token cross-entropy in nats;
 * perplexity is e^loss, bits per token loss / ln 2 (bits per character for a char model: the [EOS]
 * prediction counts as one character, as in the PyTorch comparison of bench/charlm.py).
 */
public final class LmJob {
    private LmJob() {}

    /**
     * Data read and encoded, ready to train.
     *
     * @param validation held-out training texts, or null when the test texts validate (the lesson's choice)
     * @param spec the architecture with its per-step head for this vocabulary
     */
    public record Prepared(String dataName, LmVocabulary vocabulary, StepDataset train, StepDataset validation, StepDataset test,
                           int trainTexts, int testTexts, ModelSpec spec, double seconds) {
        public StepDataset validationOrTest() {
            return validation != null ? validation : test;
        }
    }

    /** What a run produced; {@code test} scores the test texts (loss per token in nats). */
    public record Result(LmConfig config, Prepared data, Sequential model, List<EpochMetrics> history, Evaluation test) {
        public SavedLanguageModel toSavedModel() {
            OptimConfig o = config.optim();
            SavedModel.Training t = new SavedModel.Training(config.preset(), data.dataName(), history.size(), o.seed(), o.batchSize(),
                    o.learningRate(), data.trainTexts(), data.testTexts(), history);
            return new SavedLanguageModel(data.spec(), data.vocabulary(), config.data().text(), model, t, SavedModel.now(),
                    SavedModel.producerName());
        }
    }

    /** e^loss. */
    public static double perplexity(double lossNats) {
        return Math.exp(lossNats);
    }

    /** loss / ln 2: bits per token (per character for a char model). */
    public static double bits(double lossNats) {
        return lossNats / Math.log(2);
    }

    public static Prepared prepare(LmConfig cfg) throws IOException {
        long t0 = System.nanoTime();
        var dc = cfg.data();
        DataSource src = DataSource.load(dc.dataDir(), dc.trainFile(), dc.testFile(), dc.columns());
        List<Example> rows = src.train();
        if (dc.maxTrainSamples() > 0 && rows.size() > dc.maxTrainSamples()) rows = rows.subList(0, dc.maxTrainSamples());
        List<String> train = texts(rows, cfg);
        List<String> held = null;
        if (dc.valSplit() > 0) {
            int[] perm = Shuffle.permutation(train.size(), cfg.optim().seed() ^ 0x2545F4914F6CDD1DL);
            int n = (int) Math.round(train.size() * dc.valSplit());
            if (n < 1 || n >= train.size()) {
                throw InvalidOptionException.of("valSplit", dc.valSplit() + " leaves " + n + " of " + train.size() + " texts for validation");
            }
            List<String> kept = new ArrayList<>();
            held = new ArrayList<>();
            for (int i = 0; i < perm.length; i++) (i < perm.length - n ? kept : held).add(train.get(perm[i]));
            train = kept;
        }
        List<String> test = src.test() == null ? held : texts(src.test(), cfg);
        LmVocabulary vocab = LmVocabulary.adapt(train, cfg.tokens(), cfg.vocabSize());
        ModelSpec spec = withHead(cfg.spec(), vocab.size());
        // Whole texts everywhere: the trainer cuts training texts into BPTT windows batch by batch
        // (carrying the state); validation and test score every text whole.
        StepDataset tr = encode(train, vocab);
        StepDataset val = held == null ? null : encode(held, vocab);
        StepDataset te = encode(test, vocab);
        return new Prepared(src.name(), vocab, tr, val, te, train.size(), test.size(), spec, (System.nanoTime() - t0) / 1e9);
    }

    private static List<String> texts(List<Example> rows, LmConfig cfg) {
        List<String> out = new ArrayList<>(rows.size());
        for (Example e : rows) out.add(e.text(cfg.data().text()));
        return out;
    }

    /** Each text as ([BOS] t1 … tn, t1 … tn [EOS]): {@link LmVocabulary#trainingPair}. */
    public static StepDataset encode(List<String> texts, LmVocabulary vocab) {
        int[][] in = new int[texts.size()][];
        int[][] next = new int[texts.size()][];
        for (int i = 0; i < in.length; i++) {
            int[][] p = vocab.trainingPair(texts.get(i));
            in[i] = p[0];
            next[i] = p[1];
        }
        return new StepDataset(in, next, vocab.size());
    }

    /**
     * The architecture with a per-step head of {@code vocabSize} outputs: appended when the layers stop
     * before it, checked when they end in one.
     *
     * @throws ArchitectureException when the layers cannot make a next-token model of this vocabulary
     */
    public static ModelSpec withHead(ModelSpec body, int vocabSize) {
        List<LayerSpec> layers = body.layers() == null ? List.of() : body.layers();
        ModelSpec spec = body.perStep() ? body : new ModelSpec(body.embeddingDim(), body.maskZero(), append(layers, LayerSpec.timeDistributed(vocabSize)));
        try {
            spec.paramShapes(vocabSize, vocabSize);
        } catch (ArchitectureException e) {
            throw new ArchitectureException("a language model " + (body.perStep() ? "" : "(TimeDistributed(Dense(" + vocabSize + ")) appended)")
                    + " needs layers that return sequences and read forwards: " + e.getMessage());
        }
        for (LayerSpec l : layers) {
            if ("Bidirectional".equals(l.type())) {
                throw new ArchitectureException("a language model reads forwards only (it predicts the next token from the tokens "
                        + "before it): remove the Bidirectional layer");
            }
        }
        return spec;
    }

    private static List<LayerSpec> append(List<LayerSpec> a, LayerSpec b) {
        List<LayerSpec> out = new ArrayList<>(a);
        out.add(b);
        return out;
    }

    public static Sequential buildModel(LmConfig cfg, Prepared data) {
        return data.spec().build(data.vocabulary().size(), data.vocabulary().size(), cfg.optim().seed());
    }

    /**
     * Fits {@code model} on the prepared texts and scores it on the test texts. With a checkpoint folder in
     * {@code cfg.run()} it saves checkpoints there and, with {@code resume}, continues the one found.
     */
    public static Result run(LmConfig cfg, Prepared data, Sequential model, TrainingListener listener) throws IOException {
        OptimConfig o = cfg.optim();
        try (Trainer trainer = new Trainer(model, Adam.keras(o.learningRate()), cfg.run().threads())
                .bucketBySequenceLength(o.bucket()).earlyStopping(o.patience()).clipNorm(o.clipNorm())) {
            Checkpoint.Start start = Checkpoint.start(cfg.run(), cfg.identity(data), trainer, listener);
            List<EpochMetrics> history = trainer.fitSteps(new Trainer.StepFit(data.train(), data.validationOrTest(), o.epochs(),
                    o.batchSize(), o.seed(), cfg.bptt()), listener, start.state(), start.sink());
            Evaluation test = trainer.evaluateSteps(data.test(), 256);
            return new Result(cfg, data, model, history, test);
        }
    }

    /** Scores a language model on texts: loss per token (nats), token accuracy, tokens counted. */
    public static Evaluation evaluate(SavedLanguageModel m, List<String> texts, int threads) {
        StepDataset d = encode(texts, m.vocabulary());
        try (org.jrnn.kernels.Parallel p = new org.jrnn.kernels.Parallel(threads)) {
            var s = m.model().scoreSteps(d.tokens(), d.targets(), StepDataset.IGNORE, 256, p);
            return new Evaluation(s.lossSum() / s.count(), (double) s.correct() / s.count(), s.count());
        }
    }

}
