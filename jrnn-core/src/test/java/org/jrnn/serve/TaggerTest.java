// Tagger on tiny untrained models: one tag and score per token in input order, the same tags alone or in a
// batch (also for an unmasked model, which is batched only with sentences of its own length), empty texts,
// and a classifier refused in one line.
package org.jrnn.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.jrnn.data.TextField;
import org.jrnn.errors.UserInputException;
import org.jrnn.io.SavedModel;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.text.TextVectorizer;
import org.junit.jupiter.api.Test;

class TaggerTest {
    static final List<String> TAGS = List.of("B-LOC", "I-LOC", "O");
    static final TextVectorizer VOCAB = TextVectorizer.adaptTokens(List.of(List.of("Paris", "is", "in", "France", ".", "New", "York")), 100,
            TextVectorizer.TieOrder.FIRST_APPEARANCE);

    static Tagger tagger(boolean masked) {
        ModelSpec spec = new ModelSpec(6, masked, List.of(LayerSpec.bidirectional(LayerSpec.rnn("GRU", 4, true), "concat"),
                LayerSpec.timeDistributed(TAGS.size())));
        return new Tagger(new SavedModel(spec, VOCAB, 100, TextField.TITLE, TAGS, spec.build(VOCAB.size(), TAGS.size(), 11), null, null, null,
                SavedModel.Task.TAG));
    }

    @Test
    void tagsDoNotDependOnTheBatchMaskedOrNot() {
        for (boolean masked : new boolean[] {true, false}) {
            Tagger t = tagger(masked);
            List<List<String>> sentences = List.of(List.of("Paris", "is", "in", "France", "."), List.of("New", "York"), List.of(),
                    List.of("Bonn", "is", "nice"));
            List<Tagger.Tagged> batch = t.tagTokens(sentences);
            assertThat(batch).hasSize(4);
            for (int i = 0; i < sentences.size(); i++) {
                Tagger.Tagged alone = t.tagTokens(List.of(sentences.get(i))).get(0);
                assertThat(batch.get(i).tokens()).isEqualTo(sentences.get(i));
                assertThat(batch.get(i).tags()).as("masked=" + masked + ", sentence " + i).isEqualTo(alone.tags()).hasSize(sentences.get(i).size());
                assertThat(batch.get(i).scores()).isEqualTo(alone.scores());
                for (float s : alone.scores()) assertThat(s).isBetween(1f / 3, 1f);
                for (String tag : alone.tags()) assertThat(TAGS).contains(tag);
            }
        }
    }

    @Test
    void rawTextIsSplitWithSplitWords() {
        Tagger.Tagged r = tagger(true).tag("Paris is in France.");
        assertThat(r.tokens()).containsExactly("Paris", "is", "in", "France", ".");
        assertThat(tagger(true).tag("   ").tags()).isEmpty();
    }

    @Test
    void aClassifierIsRefused() {
        ModelSpec spec = new ModelSpec(6, true, List.of(LayerSpec.rnn("GRU", 4, false)));
        SavedModel classifier = SavedModel.of(spec, VOCAB, TextField.TITLE, TAGS, spec.build(VOCAB.size(), TAGS.size(), 1));
        assertThatThrownBy(() -> new Tagger(classifier)).isInstanceOf(UserInputException.class)
                .hasMessage("the model is a classifier, not a tagger (train one with --task tag)");
    }
}
