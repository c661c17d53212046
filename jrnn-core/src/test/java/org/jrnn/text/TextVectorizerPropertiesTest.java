// jqwik properties of TextVectorizer over arbitrary strings, biased towards whitespace and punctuation,
// the characters the tokenizer acts on. Seeded by jqwik's database; failures print the shrunk input.
package org.jrnn.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.jrnn.text.TextVectorizer.TieOrder;

class TextVectorizerPropertiesTest {

    private static final String INTERESTING = " \t\n\r\f\u000B!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~aAzZ09éÜß\u00A0🙂";
    private static final TextVectorizer VECTORIZER =
            TextVectorizer.adapt(List.of("a the z 09 é"), 100, TieOrder.FIRST_APPEARANCE);

    @Provide
    Arbitrary<String> texts() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars(INTERESTING.toCharArray()).ofMaxLength(40),
                Arbitraries.strings().ofMaxLength(40));
    }

    @Property
    void tokensAreNonEmptyAndFreeOfAsciiWhitespacePunctuationAndCapitals(@ForAll("texts") String text) {
        for (String token : TextVectorizer.tokenize(text)) {
            assertThat(token).isNotEmpty();
            for (char c : token.toCharArray()) {
                assertThat(TextVectorizer.isWhitespace(c) || TextVectorizer.isPunctuation(c) || (c >= 'A' && c <= 'Z'))
                        .as("char U+%04X in token \"%s\"", (int) c, token).isFalse();
            }
        }
    }

    @Property
    void tokenizingIsIdempotentOverItsOwnOutput(@ForAll("texts") String text) {
        List<String> tokens = TextVectorizer.tokenize(text);
        assertThat(TextVectorizer.tokenize(String.join(" ", tokens))).isEqualTo(tokens);
        assertThat(TextVectorizer.standardize(TextVectorizer.standardize(text)))
                .isEqualTo(TextVectorizer.standardize(text));
    }

    @Property
    void encodeGivesOneNonPaddingIdPerToken(@ForAll("texts") String text) {
        int[] ids = VECTORIZER.encode(text);
        assertThat(ids).hasSize(TextVectorizer.tokenize(text).size());
        for (int id : ids) {
            assertThat(id).isBetween(1, VECTORIZER.size() - 1);
        }
        int[] fixed = VECTORIZER.encode(text, 5);
        for (int t = 0; t < 5; t++) {
            assertThat(fixed[t]).isEqualTo(t < ids.length ? ids[t] : TextVectorizer.PAD_INDEX);
        }
    }
}
