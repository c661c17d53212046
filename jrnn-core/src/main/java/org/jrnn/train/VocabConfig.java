package org.jrnn.train;

import org.jrnn.errors.InvalidOptionException;
import org.jrnn.text.TextVectorizer;

/**
 * The vocabulary a run adapts (Keras TextVectorization {@code adapt}).
 *
 * @param vocabSize max_tokens, padding and [UNK] included
 * @param adaptRows training rows the vocabulary is adapted on (0 = all)
 * @param ties order of tokens with equal counts (null = {@link TextVectorizer.TieOrder#FIRST_APPEARANCE})
 */
public record VocabConfig(int vocabSize, int adaptRows, TextVectorizer.TieOrder ties) {
    /** max_tokens of the lesson and the PyTorch anchor. */
    public static final int DEFAULT_VOCAB_SIZE = TextVectorizer.DEFAULT_MAX_TOKENS;

    /** 20,000 tokens adapted on every training row, ties in order of first appearance. */
    public static final VocabConfig DEFAULT = new VocabConfig(DEFAULT_VOCAB_SIZE, 0, TextVectorizer.TieOrder.FIRST_APPEARANCE);

    public VocabConfig {
        if (vocabSize < 3) throw InvalidOptionException.of("vocabSize", "must be >= 3 (padding, [UNK] and one token), received: " + vocabSize);
        if (adaptRows < 0) throw InvalidOptionException.of("adaptRows", "must be >= 0 (0 = all rows), received: " + adaptRows);
        if (ties == null) ties = TextVectorizer.TieOrder.FIRST_APPEARANCE;
    }

    /** How many of {@code rows} training rows the vocabulary is adapted on. */
    public int rowsToAdapt(int rows) {
        return adaptRows == 0 ? rows : Math.min(adaptRows, rows);
    }
}
