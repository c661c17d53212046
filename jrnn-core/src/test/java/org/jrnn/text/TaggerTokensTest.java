// The tagger's text rules in TextVectorizer: adaptTokens keeps tokens as written (case and punctuation
// matter), splitWords splits raw text the way token-per-line corpora write it.
package org.jrnn.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TaggerTokensTest {
    @Test
    void adaptTokensKeepsCaseAndPunctuationAndOrdersByCountThenFirstAppearance() {
        TextVectorizer v = TextVectorizer.adaptTokens(List.of(List.of("Paris", "paris", ".", "Paris"), List.of(".", "[UNK]", "May")), 20000,
                TextVectorizer.TieOrder.FIRST_APPEARANCE);
        assertThat(v.vocabulary()).containsExactly("", "[UNK]", "Paris", ".", "paris", "May");
        assertThat(v.encodeTokens(List.of("Paris", "PARIS", ".", "May"))).containsExactly(2, 1, 3, 5);
        assertThat(TextVectorizer.adaptTokens(List.of(List.of("a", "b", "b")), 3, TextVectorizer.TieOrder.FIRST_APPEARANCE).vocabulary())
                .containsExactly("", "[UNK]", "b");
    }

    @Test
    void splitWordsPeelsEdgePunctuationAndKeepsInnerPunctuationAndCase() {
        assertThat(TextVectorizer.splitWords("Angela Merkel visited Paris.")).containsExactly("Angela", "Merkel", "visited", "Paris", ".");
        assertThat(TextVectorizer.splitWords("  (EU) said: \"no\",\tJean-Pierre ... 3.5%  ")).containsExactly("(", "EU", ")", "said", ":",
                "\"", "no", "\"", ",", "Jean-Pierre", "...", "3.5", "%");
        assertThat(TextVectorizer.splitWords("")).isEmpty();
        assertThat(TextVectorizer.splitWords(" \t ")).isEmpty();
    }
}
