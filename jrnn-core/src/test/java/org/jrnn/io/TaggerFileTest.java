// A tagger's .jrnn file: task "tag" and its text settings round-trip, a classifier's config has no "task"
// key (its bytes are unchanged), and configs a reader cannot use are refused in one line.
package org.jrnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jrnn.data.TextField;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.text.TextVectorizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaggerFileTest {
    static final ModelSpec SPEC = new ModelSpec(6, true, List.of(LayerSpec.bidirectional(LayerSpec.rnn("LSTM", 4, true), "concat"),
            LayerSpec.timeDistributed(3)));
    static final List<String> TAGS = List.of("B-LOC", "I-LOC", "O");

    /** A tiny tagger over tokens as written. */
    static SavedModel tagger() {
        TextVectorizer v = TextVectorizer.adaptTokens(List.of(List.of("Paris", "is", "in", "France", "."), List.of("New", "York", ".")), 100,
                TextVectorizer.TieOrder.FIRST_APPEARANCE);
        return new SavedModel(SPEC, v, 100, TextField.TITLE, TAGS, SPEC.build(v.size(), TAGS.size(), 3), null, "2024-06-11T00:00:00Z",
                "jrnn test", SavedModel.Task.TAG);
    }

    @Test
    void aTaggerRoundTripsWithItsTaskAndTextSettings(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.jrnn");
        SavedModel m = tagger();
        ModelFile.save(f, m);
        ObjectNode c = TestModels.config(TestModels.entries(f));
        assertThat(c.get("task").asText()).isEqualTo("tag");
        assertThat(c.get("format_version").asInt()).isEqualTo(2); // an older jrnn says "upgrade"
        assertThat(c.get("vectorizer").toString())
                .isEqualTo("{\"max_tokens\":100,\"vocab_size\":9,\"standardize\":\"none\",\"split\":\"whitespace_punctuation\"}");
        SavedModel back = ModelFile.load(f);
        assertThat(back.task()).isEqualTo(SavedModel.Task.TAG);
        assertThat(back.classNames()).isEqualTo(TAGS);
        assertThat(back.vectorizer().vocabulary()).contains("Paris", "New", ".");
        int[][] x = {back.vectorizer().encodeTokens(List.of("Paris", "is", "nice"))};
        assertThat(back.model().predictStepProbabilities(x)).isDeepEqualTo(m.model().predictStepProbabilities(x));
    }

    @Test
    void aClassifierConfigHasNoTaskKey(@TempDir Path dir) throws Exception {
        ObjectNode c = TestModels.config(TestModels.entries(TestModels.saveTiny(dir)));
        assertThat(c.has("task")).isFalse();
        assertThat(ModelFile.load(dir.resolve("tiny.jrnn")).task()).isEqualTo(SavedModel.Task.CLASSIFY);
    }

    @Test
    void unusableTaskSettingsAreRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.jrnn");
        ModelFile.save(f, tagger());
        refuse(f, c -> c.put("task", "translate"), "config.json: task 'translate' is not a task this jrnn knows (classify, tag, lm); HINT: upgrade jrnn");
        refuse(f, c -> ((ObjectNode) c.get("vectorizer")).put("text", "title"), "config.json: vectorizer.text does not apply to a tagger");
        refuse(f, c -> ((ObjectNode) c.get("vectorizer")).put("standardize", "lower_and_strip_punctuation"),
                "config.json: vectorizer.standardize 'lower_and_strip_punctuation' is not supported for a tagger");
        refuse(f, c -> c.remove("task"), "format_version 2 is a language model's or a tagger's, but config.json has no \"task\"");
        refuse(f, c -> c.put("format_version", 1), "task 'tag' needs format_version 2, config.json says 1");
        Path tiny = TestModels.saveTiny(dir);
        refuse(tiny, c -> c.put("task", "tag").put("format_version", 2), "config.json: vectorizer.text does not apply to a tagger");
        refuse(tiny, c -> {
            c.put("task", "tag");
            c.put("format_version", 2);
            ObjectNode v = (ObjectNode) c.get("vectorizer");
            v.remove("text");
            v.put("standardize", "none");
            v.put("split", "whitespace_punctuation");
        }, "config.json: task 'tag' needs an architecture ending in TimeDistributed (one output per token)");
    }

    private static void refuse(Path model, java.util.function.Consumer<ObjectNode> edit, String message) throws Exception {
        Map<String, byte[]> e = TestModels.entries(model);
        ObjectNode c = TestModels.config(e);
        edit.accept(c);
        e.put(ModelFile.CONFIG, TestModels.json(c));
        Path bad = model.resolveSibling("bad.jrnn");
        TestModels.writeZip(bad, e);
        assertThatThrownBy(() -> ModelFile.load(bad)).isInstanceOf(ModelFormatException.class).hasMessageContaining(message)
                .hasMessageNotContaining("\n");
    }
}
