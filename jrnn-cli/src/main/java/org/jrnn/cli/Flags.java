// The library names settings as its API does ("epochs", "valSplit", "trainFile"); users of the CLI know
// them as flags. This table renders a UserInputException's setting names in flags, so a rule is written
// once, in the library, and the CLI still says "--val-split must be in [0, 1)".
package org.jrnn.cli;

import java.util.Map;
import org.jrnn.data.ColumnSpec;
import org.jrnn.errors.UserInputException;

/** Library setting names to the command-line flags that set them. */
final class Flags {
    private Flags() {}

    static final Map<String, String> OF_SETTING = Map.ofEntries(
            // train.DataConfig
            Map.entry("dataDir", "--data"),
            Map.entry("trainFile", "--train"),
            Map.entry("testFile", "--test"),
            Map.entry("columns", "--delimiter, --header, --text-column, --label-column and --no-quoting"),
            Map.entry("text", "--text"),
            Map.entry("maxTrainSamples", "--max-train-samples"),
            Map.entry("valSplit", "--val-split"),
            // train.VocabConfig, text.TextVectorizer
            Map.entry("vocabSize", "--vocab-size"),
            Map.entry("maxTokens", "--vocab-size"),
            Map.entry("adaptRows", "--adapt-rows"),
            // train.ModelConfig
            Map.entry("embeddings", "--embeddings"),
            Map.entry("freezeEmbeddings", "--freeze-embeddings"),
            // train.OptimConfig
            Map.entry("epochs", "--epochs"),
            Map.entry("batchSize", "--batch-size"),
            Map.entry("learningRate", "--lr"),
            Map.entry("seed", "--seed"),
            Map.entry("clipNorm", "--clip-norm"),
            Map.entry("patience", "--early-stopping"),
            // train.RunConfig
            Map.entry("threads", "--threads"),
            Map.entry("checkpointDir", "--checkpoint-dir"),
            Map.entry("checkpointEvery", "--checkpoint-every"),
            Map.entry("resume", "--resume"),
            // data.ColumnSpec
            Map.entry("delimiter", "--delimiter"),
            Map.entry("textColumns", "--text-column"),
            Map.entry("labelColumn", "--label-column"),
            Map.entry(ColumnSpec.NO_HEADER, "--no-header"),
            Map.entry(ColumnSpec.HEADER, "--header"),
            Map.entry(ColumnSpec.NO_QUOTING, "--no-quoting"),
            // server.JrnnServer.Builder
            Map.entry("model", "--model"),
            Map.entry("port", "--port"),
            Map.entry("maxBodyBytes", "--max-body-bytes"),
            Map.entry("maxTexts", "--max-texts"),
            Map.entry("maxTextChars", "--max-text-chars"),
            Map.entry("maxGenerateTokens", "--max-generate-tokens"),
            Map.entry("maxBatchTexts", "--max-batch"),
            Map.entry("maxQueuedTexts", "--max-queue"),
            Map.entry("maxWait", "--batch-wait-ms"),
            Map.entry("timeout", "--timeout-ms"),
            Map.entry("workers", "--workers"),
            Map.entry("drain", "--drain-seconds"),
            Map.entry("authToken", "--auth-token-file"),
            // train.LmConfig, text.LmVocabulary
            Map.entry("tokens", "--tokens"),
            Map.entry("bptt", "--bptt"),
            // serve.Generator
            Map.entry("prompt", "--prompt"),
            Map.entry("maxNewTokens", "--max-tokens"),
            Map.entry("temperature", "--temperature"),
            Map.entry("topK", "--top-k"),
            Map.entry("topP", "--top-p"),
            Map.entry("streams", "--num"),
            // data.AgNewsDownload
            Map.entry("url", "--url"));

    /** The flag for a setting, or the setting's own name when no flag sets it. */
    static String of(String setting) {
        return OF_SETTING.getOrDefault(setting, setting);
    }

    /** The exception's message in flags (settings it names, as options or data-file hints, become flags). */
    static String message(UserInputException e) {
        return e.message(Flags::of);
    }
}
