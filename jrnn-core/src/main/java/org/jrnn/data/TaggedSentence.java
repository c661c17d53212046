// One sentence of a token-per-line (CoNLL-style) file: its tokens, their tags, and the line it starts on,
// so an error about token i can name line + i (a sentence's tokens sit on consecutive lines).
package org.jrnn.data;

import java.util.List;

/**
 * A tagged sentence: {@code tokens.get(i)} carries {@code tags.get(i)}; both as read (case kept).
 *
 * @param line 1-based line of the first token in its file
 */
public record TaggedSentence(List<String> tokens, List<String> tags, long line) {
    public TaggedSentence {
        tokens = List.copyOf(tokens);
        tags = List.copyOf(tags);
        if (tokens.isEmpty() || tokens.size() != tags.size()) {
            throw new IllegalArgumentException(tokens.size() + " tokens and " + tags.size() + " tags; expected as many, at least 1");
        }
    }

    /** Number of tokens. */
    public int size() {
        return tokens.size();
    }
}
