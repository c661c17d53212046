package org.jrnn.train;

import java.nio.file.Path;
import org.jrnn.data.TextField;
import org.jrnn.text.TextVectorizer;

/**
 * Everything one training run needs, validated up front so a bad option fails before any
 * data is read. Null data paths mean the embedded AG News sample.
 *
 * @param adaptRows training rows the vocabulary is adapted on (0 = all)
 * @param maxTrainSamples use only the first N training rows (0 = all)
 * @param valSplit fraction of training rows held out for validation (0 = validate on the test set, as the lesson)
 * @param patience early-stopping patience in epochs on validation loss (0 = off)
 * @param clipNorm clip gradients to this global L2 norm (0 = off)
 * @param lazyEmbeddingAdam update only the embedding rows each batch uses (SparseAdam semantics)
 */
public record TrainConfig(Preset preset, ModelSpec model, Path dataDir, Path trainFile, Path testFile,
                          int epochs, int batchSize, long seed, int vocabSize, int adaptRows,
                          TextVectorizer.TieOrder vocabTies, int maxTrainSamples, double learningRate,
                          TextField text, int threads, boolean bucket, double valSplit, int patience,
                          boolean lazyEmbeddingAdam, double clipNorm) {

    public TrainConfig {
        if (preset == null) throw new IllegalArgumentException("a preset is required");
        if (dataDir != null && (trainFile != null || testFile != null)) {
            throw new IllegalArgumentException("use either --data DIR or --train FILE --test FILE, not both");
        }
        if ((trainFile == null) != (testFile == null)) {
            throw new IllegalArgumentException("--train and --test must be given together");
        }
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be >= 1, received: " + epochs);
        if (batchSize < 0) throw new IllegalArgumentException("--batch-size must be >= 1, received: " + batchSize);
        if (vocabSize < 3) throw new IllegalArgumentException("--vocab-size must be >= 3 (padding, [UNK] and one token), received: " + vocabSize);
        if (adaptRows < 0) throw new IllegalArgumentException("--adapt-rows must be >= 0 (0 = all rows), received: " + adaptRows);
        if (maxTrainSamples < 0) throw new IllegalArgumentException("--max-train-samples must be >= 0 (0 = all), received: " + maxTrainSamples);
        if (!(valSplit >= 0 && valSplit < 1)) throw new IllegalArgumentException("--val-split must be in [0, 1), received: " + valSplit);
        if (patience < 0) throw new IllegalArgumentException("--early-stopping must be >= 0 (0 = off), received: " + patience);
        if (!(clipNorm >= 0)) throw new IllegalArgumentException("--clip-norm must be >= 0 (0 = off), received: " + clipNorm);
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, received: " + threads);
        if (!(learningRate > 0)) throw new IllegalArgumentException("--lr must be > 0, received: " + learningRate);
        if (model == null) model = preset.model();
        if (text == null) text = preset.text();
        if (vocabTies == null) vocabTies = TextVectorizer.TieOrder.FIRST_APPEARANCE;
    }

    /** Defaults of {@code jrnn train} for a preset. */
    public static TrainConfig defaults(Preset preset) {
        return new TrainConfig(preset, null, null, null, null, 1, 0, 42, TextVectorizer.DEFAULT_MAX_TOKENS, 0,
                null, 0, 1e-3, null, Runtime.getRuntime().availableProcessors(), false, 0, 0, false, 0);
    }

    /**
     * What must not change between a checkpoint and its resumption: everything that decides
     * the numbers (not the number of epochs, which may grow).
     */
    public String fingerprint(TextVectorizerFingerprint vocab, int trainRows) {
        return String.join(";", "model=" + model.toJson().replaceAll("\\s+", ""), "seed=" + seed, "batch=" + effectiveBatchSize(),
                "threads=" + threads, "lr=" + learningRate, "text=" + text, "vocab=" + vocab.hash(), "train_rows=" + trainRows,
                "bucket=" + bucket, "val_split=" + valSplit, "patience=" + patience, "lazy=" + lazyEmbeddingAdam, "clip=" + clipNorm);
    }

    /** The vocabulary's identity for fingerprints. */
    public record TextVectorizerFingerprint(String hash) {
        public static TextVectorizerFingerprint of(TextVectorizer v) {
            return new TextVectorizerFingerprint(v.size() + ":" + Integer.toHexString(v.vocabulary().hashCode()));
        }
    }

    public int effectiveBatchSize() {
        return batchSize > 0 ? batchSize : preset.batchSize();
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(preset, model, dataDir, trainFile, testFile, e, batchSize, seed, vocabSize, adaptRows,
                vocabTies, maxTrainSamples, learningRate, text, threads, bucket, valSplit, patience, lazyEmbeddingAdam, clipNorm);
    }

    public TrainConfig withMaxTrainSamples(int n) {
        return new TrainConfig(preset, model, dataDir, trainFile, testFile, epochs, batchSize, seed, vocabSize, adaptRows,
                vocabTies, n, learningRate, text, threads, bucket, valSplit, patience, lazyEmbeddingAdam, clipNorm);
    }

    public TrainConfig withThreads(int n) {
        return new TrainConfig(preset, model, dataDir, trainFile, testFile, epochs, batchSize, seed, vocabSize, adaptRows,
                vocabTies, maxTrainSamples, learningRate, text, n, bucket, valSplit, patience, lazyEmbeddingAdam, clipNorm);
    }

    public TrainConfig withData(Path dir) {
        return new TrainConfig(preset, model, dir, null, null, epochs, batchSize, seed, vocabSize, adaptRows,
                vocabTies, maxTrainSamples, learningRate, text, threads, bucket, valSplit, patience, lazyEmbeddingAdam, clipNorm);
    }
}
