package org.jrnn.cli;

import org.jrnn.data.TextField;
import org.jrnn.train.VocabConfig;
import picocli.CommandLine.Option;

/** The vocabulary options of train and vocab; defaults are {@link VocabConfig}'s. */
final class VocabOptions {
    @Option(names = "--vocab-size", paramLabel = "N", defaultValue = "" + VocabConfig.DEFAULT_VOCAB_SIZE,
            description = "max_tokens, including padding and [UNK] (default ${DEFAULT-VALUE}).")
    int vocabSize;

    @Option(names = "--adapt-rows", paramLabel = "N", defaultValue = "0",
            description = "Adapt the vocabulary on the first N training rows (0 = all, the default; the lesson uses 2000).")
    int adaptRows;

    @Option(names = "--vocab-ties", paramLabel = "first|keras", defaultValue = "first",
            description = "Order of equal counts: first (first appearance, default) or keras (descending bytes).")
    String ties;

    @Option(names = "--text", paramLabel = "title|title+description",
            description = "The text to use: for train what the model reads (default: the preset's), for vocab what the vocabulary"
                    + " is adapted on (default: title+description); for a table: the first text column, or all of them.")
    String text;

    /** The vocabulary settings, validated by {@link VocabConfig}. */
    VocabConfig config() {
        return new VocabConfig(vocabSize, adaptRows, Options.ties(ties));
    }

    /** --text, or {@code otherwise} when it was not given. */
    TextField text(TextField otherwise) {
        return text == null ? otherwise : Options.textField(text);
    }
}
