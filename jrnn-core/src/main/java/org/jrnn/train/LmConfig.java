package org.jrnn.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.model.ModelSpec;
import org.jrnn.text.LmVocabulary;

/**
 * One language-model run ({@link LmJob}): the data groups are the classifier's ({@link DataConfig},
 * {@link OptimConfig}, {@link RunConfig}), plus the tokens and truncated BPTT.
 *
 * @param preset the name recorded in the model file (a preset's, or "custom" for an architecture file)
 * @param spec the architecture; without a final TimeDistributed(Dense) the head is appended for the vocabulary
 * @param vocabSize at most this many tokens, markers included (0 = every token of the training texts)
 * @param bptt truncated BPTT: train texts in windows of this many steps, each window starting from the state the
 *     text's previous window ended in (0 = whole texts); see {@link Trainer#fitSteps(Trainer.StepFit, TrainingListener, TrainingState, Trainer.CheckpointSink)}
 */
public record LmConfig(String preset, DataConfig data, LmVocabulary.Tokens tokens, int vocabSize, ModelSpec spec, int bptt,
                       OptimConfig optim, RunConfig run) {
    public LmConfig {
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(optim, "optim");
        Objects.requireNonNull(run, "run");
        if (vocabSize != 0 && vocabSize < 5) {
            throw InvalidOptionException.of("vocabSize", "must be >= 5 (padding, [UNK], [BOS], [EOS] and one token) or 0 (all), received: " + vocabSize);
        }
        if (bptt < 0) throw InvalidOptionException.of("bptt", "must be >= 0 (0 = whole texts), received: " + bptt);
    }

    /**
     * The run as its checkpoints record it (task {@code lm}): the settings that decide the numbers in the
     * fingerprint; the vocabulary, tokens, BPTT and the architecture with its head as the {@code run} entries.
     */
    public Checkpoint.Identity identity(LmJob.Prepared data) {
        String settings = String.join(";", "seed=" + optim.seed(), "batch=" + optim.batchSize(), "threads=" + run.threads(),
                "lr=" + optim.learningRate(), "text=" + this.data.text(), "vocab_size=" + vocabSize, "max_train=" + this.data.maxTrainSamples(),
                "val_split=" + this.data.valSplit(), "train_texts=" + data.trainTexts(), "train_rows=" + data.train().size(),
                "bucket=" + optim.bucket(), "patience=" + optim.patience(), "clip=" + optim.clipNorm());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("tokens", tokens.id());
        r.put("bptt", bptt);
        r.put("spec", Checkpoint.specJson(data.spec()));
        r.put("vocabulary", data.vocabulary().tokens());
        return new Checkpoint.Identity("lm", new TrainConfig.Fingerprint(settings, org.jrnn.kernels.Kernels.numerics()), r);
    }

    /** A preset's settings with the given data; change the rest with the record's wither-free constructor. */
    public static LmConfig of(LmPreset p, DataConfig data, int epochs, long seed, int threads) {
        return new LmConfig(p.name(), data, p.tokens(), 0, p.body(), 0,
                new OptimConfig(epochs, p.batchSize(), OptimConfig.DEFAULT_LEARNING_RATE, seed, 0, false, false, 0),
                new RunConfig(threads, null, RunConfig.DEFAULT_CHECKPOINT_EVERY, false));
    }
}
