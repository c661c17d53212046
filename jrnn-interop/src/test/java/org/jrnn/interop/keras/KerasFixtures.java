package org.jrnn.interop.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The committed fixtures of tools/reference/make_keras_fixtures.py (src/test/resources/keras/). */
final class KerasFixtures {
    static final ObjectMapper JSON = new ObjectMapper();

    private KerasFixtures() {}

    static Path dir() {
        try {
            return Path.of(KerasFixtures.class.getResource("/keras/fixtures.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode index() throws IOException {
        JsonNode n = JSON.readTree(dir().resolve("fixtures.json").toFile());
        if (!n.path("magic").asText().equals("jrnn-keras-fixture") || n.path("format_version").asInt() != 1) {
            throw new IllegalStateException("stale Keras fixtures: rerun " + n.path("rerun").asText());
        }
        return n.get("fixtures");
    }

    /** A fixture file and what to pass with it. */
    record Fixture(String name, String format, boolean storesVocabulary, String refusal) {
        Path file() {
            return dir().resolve(name + "." + format);
        }

        /** --vocab for files without a stored vocabulary (every .h5, a .keras without TextVectorization). */
        Path vocab() {
            return storesVocabulary ? null : dir().resolve("vocab.txt");
        }

        @Override
        public String toString() {
            return name + "." + format;
        }
    }

    static List<Fixture> all() throws IOException {
        List<Fixture> out = new ArrayList<>();
        var it = index().fields();
        while (it.hasNext()) {
            var e = it.next();
            JsonNode f = e.getValue();
            for (JsonNode fmt : f.get("formats")) {
                boolean stored = fmt.asText().equals("keras") && f.path("text_vectorization").asBoolean();
                out.add(new Fixture(e.getKey(), fmt.asText(), stored, f.hasNonNull("refusal") ? f.get("refusal").asText() : null));
            }
        }
        return out;
    }
}
