package org.jrnn.train;

import org.jrnn.model.ModelSpec;
import java.nio.file.Path;
import org.jrnn.data.ColumnSpec;
import org.jrnn.data.TextField;
import org.jrnn.text.TextVectorizer;

/**
 * Everything one training run needs, validated up front so a bad option fails before any
 * data is read. Null data paths mean the embedded AG News sample.
 *
 * @param testFile the test file, or null with {@code valSplit > 0}: the held-out split is then both the
 *     validation and the test data
 * @param adaptRows training rows the vocabulary is adapted on (0 = all)
 * @param maxTrainSamples use only the first N training rows (0 = all)
 * @param valSplit fraction of training rows held out for validation (0 = validate on the test set, as the lesson)
 * @param patience early-stopping patience in epochs on validation loss (0 = off)
 * @param lazyEmbeddingAdam update only the embedding rows each batch uses (SparseAdam semantics)
 * @param clipNorm clip gradients to this global L2 norm (0 = off)
 * @param columns how to read the data files (null = {@link ColumnSpec#DEFAULT}: AG News, or a table
 *     with the label in column 0 and text in the others)
 * @param embeddings pretrained word vectors to initialise the embedding with (their dimension replaces the
 *     model's embedding_dim), or null
 * @param freezeEmbeddings keep the embedding fixed during training (needs {@code embeddings})
 */
public record TrainConfig(Preset preset, ModelSpec model, Path dataDir, Path trainFile, Path testFile,
                          int epochs, int batchSize, long seed, int vocabSize, int adaptRows,
                          TextVectorizer.TieOrder vocabTies, int maxTrainSamples, double learningRate,
                          TextField text, int threads, boolean bucket, double valSplit, int patience,
                          boolean lazyEmbeddingAdam, double clipNorm,
                          ColumnSpec columns, Path embeddings, boolean freezeEmbeddings) {

    public TrainConfig {
        if (preset == null) throw new IllegalArgumentException("a preset is required");
        if (dataDir != null && (trainFile != null || testFile != null)) {
            throw new IllegalArgumentException("use either --data DIR or --train FILE --test FILE, not both");
        }
        if (testFile != null && trainFile == null) {
            throw new IllegalArgumentException("--test needs --train (or use --data DIR)");
        }
        if (trainFile != null && testFile == null && !(valSplit > 0)) {
            throw new IllegalArgumentException("--train without --test needs --val-split F: the held-out rows are then the validation and test data");
        }
        if (freezeEmbeddings && embeddings == null) throw new IllegalArgumentException("--freeze-embeddings needs --embeddings FILE");
        if (columns == null) columns = ColumnSpec.DEFAULT;
        if (!columns.isDefault() && dataDir == null && trainFile == null) {
            throw new IllegalArgumentException("--delimiter, --header, --text-column, --label-column and --no-quoting describe --train/--test"
                    + " or --data files; the embedded sample needs none");
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

    /** A config for AG News-format data ({@link ColumnSpec#DEFAULT}). */
    public TrainConfig(Preset preset, ModelSpec model, Path dataDir, Path trainFile, Path testFile,
                       int epochs, int batchSize, long seed, int vocabSize, int adaptRows,
                       TextVectorizer.TieOrder vocabTies, int maxTrainSamples, double learningRate,
                       TextField text, int threads, boolean bucket, double valSplit, int patience,
                       boolean lazyEmbeddingAdam, double clipNorm) {
        this(preset, model, dataDir, trainFile, testFile, epochs, batchSize, seed, vocabSize, adaptRows, vocabTies, maxTrainSamples,
                learningRate, text, threads, bucket, valSplit, patience, lazyEmbeddingAdam, clipNorm, null, null, false);
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
                "bucket=" + bucket, "val_split=" + valSplit, "patience=" + patience, "lazy=" + lazyEmbeddingAdam, "clip=" + clipNorm,
                "embeddings=" + embeddings + (freezeEmbeddings ? ",frozen" : ""));
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
                vocabTies, maxTrainSamples, learningRate, text, threads, bucket, valSplit, patience, lazyEmbeddingAdam, clipNorm, columns, embeddings, freezeEmbeddings);
    }

    public TrainConfig withMaxTrainSamples(int n) {
        return new TrainConfig(preset, model, dataDir, trainFile, testFile, epochs, batchSize, seed, vocabSize, adaptRows,
                vocabTies, n, learningRate, text, threads, bucket, valSplit, patience, lazyEmbeddingAdam, clipNorm, columns, embeddings, freezeEmbeddings);
    }

    public TrainConfig withThreads(int n) {
        return new TrainConfig(preset, model, dataDir, trainFile, testFile, epochs, batchSize, seed, vocabSize, adaptRows,
                vocabTies, maxTrainSamples, learningRate, text, n, bucket, valSplit, patience, lazyEmbeddingAdam, clipNorm, columns, embeddings, freezeEmbeddings);
    }

    /** The same run with another architecture (e.g. the embedding dimension of pretrained vectors). */
    public TrainConfig withModel(ModelSpec m) {
        return new TrainConfig(preset, m, dataDir, trainFile, testFile, epochs, batchSize, seed, vocabSize, adaptRows,
                vocabTies, maxTrainSamples, learningRate, text, threads, bucket, valSplit, patience, lazyEmbeddingAdam, clipNorm, columns, embeddings, freezeEmbeddings);
    }

    public TrainConfig withData(Path dir) {
        return new TrainConfig(preset, model, dir, null, null, epochs, batchSize, seed, vocabSize, adaptRows,
                vocabTies, maxTrainSamples, learningRate, text, threads, bucket, valSplit, patience, lazyEmbeddingAdam, clipNorm, columns, embeddings, freezeEmbeddings);
    }
}
