package org.jrnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jrnn.nn.Param;
import org.jrnn.nn.Sequential;
import org.jrnn.model.ModelSpec;
import org.jrnn.model.LayerSpec;
import org.jrnn.train.Preset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ModelFileTest {

    @Test
    void roundTripKeepsWeightsVocabularyClassesAndHistory(@TempDir Path dir) throws Exception {
        SavedModel m = TestModels.tiny(3);
        Path f = dir.resolve("m.jrnn");
        ModelFile.save(f, m);
        SavedModel back = ModelFile.load(f);
        assertThat(back.architecture()).isEqualTo(m.architecture());
        assertThat(back.vectorizer().vocabulary()).isEqualTo(m.vectorizer().vocabulary());
        assertThat(back.maxTokens()).isEqualTo(20000);
        assertThat(back.textField()).isEqualTo(m.textField());
        assertThat(back.classNames()).containsExactly("World", "Sports", "Business");
        assertThat(back.created()).isEqualTo("2024-06-11T00:00:00Z");
        assertThat(back.producer()).isEqualTo("jrnn test");
        assertThat(back.training()).isEqualTo(m.training()); // NaN validation figures survive as null
        assertThat(back.history().get(1).valLoss()).isNaN();
        Map<String, Param> a = m.model().stateDict();
        Map<String, Param> b = back.model().stateDict();
        assertThat(b.keySet()).containsExactlyElementsOf(a.keySet());
        for (String k : a.keySet()) assertThat(b.get(k).data).as(k).containsExactly(a.get(k).data);
        int[][] x = {m.vectorizer().encode("The team wins the match"), m.vectorizer().encode("bank profit talks")};
        assertThat(back.model().predictProbabilities(x)).isDeepEqualTo(m.model().predictProbabilities(x));
    }

    /** Both new fields survive a save and load, and the loaded model predicts what was saved (one-unit sigmoid head). */
    @Test
    void denseActivationsAndASigmoidHeadRoundTrip(@TempDir Path dir) throws Exception {
        ModelSpec spec = new ModelSpec(6, true, List.of(LayerSpec.rnn("LSTM", 4, false), LayerSpec.dense(5, "relu"),
                LayerSpec.dense(3, "tanh")), "sigmoid");
        org.jrnn.text.TextVectorizer v = org.jrnn.text.TextVectorizer.fromVocabulary(TestModels.VOCAB);
        SavedModel m = SavedModel.of(spec, v, org.jrnn.data.TextField.TITLE, List.of("positive"), spec.build(v.size(), 1, 5));
        Path f = dir.resolve("m.jrnn");
        ModelFile.save(f, m);
        SavedModel back = ModelFile.load(f);
        assertThat(back.architecture()).isEqualTo(spec);
        assertThat(back.model().outputActivation()).isEqualTo(Sequential.OutputActivation.SIGMOID);
        assertThat(back.model().layers().get(1)).hasToString("Dense(5, activation=relu)");
        int[][] x = {v.encode("The team wins the match"), v.encode("bank profit talks")};
        assertThat(back.model().predictProbabilities(x)).isDeepEqualTo(m.model().predictProbabilities(x));
        assertThatThrownBy(() -> new org.jrnn.train.Trainer(back.model(), org.jrnn.optim.Adam.keras()))
                .isInstanceOf(org.jrnn.errors.UserInputException.class).hasMessageContaining("jrnn trains softmax classifiers");
    }

    @Test
    void aPerStepModelRoundTripsWithItsTimeDistributedHead(@TempDir Path dir) throws Exception {
        ModelSpec spec = new ModelSpec(6, true, List.of(LayerSpec.bidirectional(LayerSpec.rnn("LSTM", 4, true), "sum"),
                LayerSpec.rnn("GRU", 3, true), LayerSpec.timeDistributed(3)));
        org.jrnn.text.TextVectorizer v = org.jrnn.text.TextVectorizer.fromVocabulary(TestModels.VOCAB);
        List<String> tags = List.of("O", "B-ORG", "I-ORG");
        SavedModel m = SavedModel.of(spec, v, org.jrnn.data.TextField.TITLE, tags, spec.build(v.size(), tags.size(), 5));
        Path f = dir.resolve("tagger.jrnn");
        ModelFile.save(f, m);
        SavedModel back = ModelFile.load(f);
        assertThat(back.architecture()).isEqualTo(spec);
        assertThat(back.architecture().perStep()).isTrue();
        assertThat(back.classNames()).isEqualTo(tags);
        Map<String, Param> a = m.model().stateDict();
        Map<String, Param> b = back.model().stateDict();
        assertThat(b.keySet()).containsExactlyElementsOf(a.keySet()).endsWith("fc.weight", "fc.bias");
        assertThat(b.get("fc.weight").shape()).containsExactly(3, 3);
        for (String k : a.keySet()) assertThat(b.get(k).data).as(k).containsExactly(a.get(k).data);
        int[][] x = {v.encode("The team wins the match"), v.encode("bank profit talks")};
        float[][][] probs = back.model().predictStepProbabilities(x);
        assertThat(probs).isDeepEqualTo(m.model().predictStepProbabilities(x));
        assertThat(probs[0]).hasNumberOfRows(x[0].length);
    }

    @Test
    void savingIsAtomicAndDeterministic(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("sub/m.jrnn");
        ModelFile.save(f, TestModels.tiny(5));
        byte[] first = Files.readAllBytes(f);
        ModelFile.save(f, TestModels.tiny(5)); // overwrite
        assertThat(Files.readAllBytes(f)).isEqualTo(first);
        try (Stream<Path> files = Files.list(f.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("m.jrnn");
        }
        assertThat(TestModels.entries(f).keySet()).containsExactly("config.json", "vocab.txt", "weights.safetensors");
        if (java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            // an ordinary file, not the owner-only mode of the temp file it was renamed from
            assertThat(Files.getPosixFilePermissions(f)).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
        }
    }

    @Test
    void aFullDiskLeavesThePreviousModelAndNoTempFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("model.jrnn");
        ModelFile.save(f, TestModels.tiny(5));
        byte[] before = Files.readAllBytes(f);
        org.jrnn.files.AtomicFiles.installStreamWrapper(org.jrnn.testing.FailingDisk.fullAfter(before.length / 2));
        try {
            assertThatThrownBy(() -> ModelFile.save(f, TestModels.tiny(6)))
                    .isExactlyInstanceOf(java.io.IOException.class)
                    .hasMessage("writing " + f + ": " + org.jrnn.testing.FailingDisk.ENOSPC);
        } finally {
            org.jrnn.files.AtomicFiles.installStreamWrapper(null);
        }
        assertThat(Files.readAllBytes(f)).isEqualTo(before);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(f);
        }
    }

    @Test
    void theVocabularyEntryIsTheVocabularyFile(@TempDir Path dir) throws Exception {
        // One format, one implementation: vocab.txt inside a model holds the bytes `jrnn vocab --out` writes.
        SavedModel m = TestModels.tiny(5);
        Path f = dir.resolve("m.jrnn");
        ModelFile.save(f, m);
        Path vocab = dir.resolve("vocab.txt");
        m.vectorizer().writeVocabulary(vocab);
        assertThat(TestModels.entries(f).get(ModelFile.VOCAB)).isEqualTo(Files.readAllBytes(vocab));
    }

    @Test
    void aModelThatCannotBeLoadedIsNeverWritten(@TempDir Path dir) throws Exception {
        SavedModel m = TestModels.tiny(5);
        m.model().stateDict().get("rnn.weight_hh_l0").data[3] = Float.NaN;
        Path f = dir.resolve("m.jrnn");
        assertThatThrownBy(() -> ModelFile.save(f, m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rnn.weight_hh_l0 holds NaN");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void weightsAreStoredAndTheSmallEntriesDeflated(@TempDir Path dir) throws Exception {
        Path f = TestModels.saveTiny(dir);
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(f.toFile())) {
            assertThat(zip.getEntry("weights.safetensors").getMethod()).isEqualTo(java.util.zip.ZipEntry.STORED);
            assertThat(zip.getEntry("config.json").getMethod()).isEqualTo(java.util.zip.ZipEntry.DEFLATED);
            assertThat(zip.getEntry("vocab.txt").getMethod()).isEqualTo(java.util.zip.ZipEntry.DEFLATED);
        }
        assertThat(ModelFile.load(f).model().paramCount()).isPositive();
    }

    @Test
    void configHoldsTheDocumentedKeys(@TempDir Path dir) throws Exception {
        Path f = TestModels.saveTiny(dir);
        JsonNode c = TestModels.JSON.readTree(TestModels.entries(f).get("config.json"));
        List<String> keys = new ArrayList<>();
        c.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("format", "format_version", "created", "producer", "architecture", "vectorizer",
                "num_classes", "class_names", "training");
        assertThat(c.get("format").asText()).isEqualTo("jrnn-model");
        assertThat(c.get("format_version").asInt()).isEqualTo(1);
        assertThat(c.get("vectorizer").toString()).isEqualTo("{\"max_tokens\":20000,\"vocab_size\":15,\"text\":\"title+description\","
                + "\"standardize\":\"lower_and_strip_punctuation\",\"split\":\"whitespace\"}");
        assertThat(c.get("architecture").toString()).isEqualTo("{\"embedding_dim\":6,\"mask_zero\":true,\"layers\":[{\"type\":\"GRU\",\"units\":5}]}");
        JsonNode h = c.get("training").get("history");
        assertThat(h.size()).isEqualTo(2);
        assertThat(h.get(0).toString()).isEqualTo("{\"epoch\":1,\"loss\":1.1,\"accuracy\":0.4,\"val_loss\":1.0,\"val_accuracy\":0.5,"
                + "\"seconds\":0.25,\"tokens\":400,\"samples\":40}");
        assertThat(h.get(1).get("val_loss").isNull()).isTrue();
        byte[] vocab = TestModels.entries(f).get("vocab.txt");
        assertThat(new String(vocab, java.nio.charset.StandardCharsets.UTF_8)).startsWith("\n[UNK]\nthe\n").endsWith("war\n");
    }

    @Test
    void weightsAreSafetensorsWithPyTorchNamesAndLayouts(@TempDir Path dir) throws Exception {
        SavedModel m = TestModels.tiny(9);
        Path f = dir.resolve("m.jrnn");
        ModelFile.save(f, m);
        byte[] w = TestModels.entries(f).get("weights.safetensors");
        long n = ByteBuffer.wrap(w, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).as("data 8-byte aligned").isZero();
        JsonNode header = TestModels.JSON.readTree(TestModels.weightsHeader(w));
        assertThat(header.get("__metadata__").get("format").asText()).isEqualTo("pt");
        assertThat(header.get("rnn.weight_ih_l0").toString()).isEqualTo("{\"dtype\":\"F32\",\"shape\":[15,6],\"data_offsets\":[360,720]}");
        assertThat(header.get("fc.weight").get("shape").toString()).isEqualTo("[3,5]");
        ByteBuffer data = ByteBuffer.wrap(TestModels.weightsData(w)).order(ByteOrder.LITTLE_ENDIAN);
        for (Param p : m.model().params()) {
            JsonNode t = header.get(p.name());
            int begin = t.get("data_offsets").get(0).asInt();
            for (int i = 0; i < p.size(); i++) assertThat(data.getFloat(begin + 4 * i)).isEqualTo(p.data[i]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.jrnn.io.TestModels#hostile")
    void hostileFilesFailWithOneLineNamingTheFileAndTheProblem(TestModels.Hostile h, @TempDir Path dir) throws Exception {
        Path f = h.make(dir);
        assertThatThrownBy(() -> ModelFile.load(f))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(f + ": ")
                .hasMessageContaining(h.expected())
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\r"));
    }

    /**
     * A zip bomb is refused having allocated about nothing: its declared size is checked against what
     * config.json allows before anything is inflated, and no more than the declared size + 1 byte is
     * ever inflated. (Before, the loader read up to its 1 GiB cap first: 512 MiB allocated for these.)
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("bombs")
    void zipBombsAreRefusedWithABoundedAllocation(TestModels.Hostile bomb, @TempDir Path dir) throws Exception {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        org.junit.jupiter.api.Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "no per-thread allocation counter");
        Path f = bomb.make(dir);
        ModelFile.load(TestModels.saveTiny(dir)); // classes loaded, so that only the refusal is counted
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        Throwable refusal = org.assertj.core.api.Assertions.catchThrowable(() -> ModelFile.load(f));
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertThat(allocated).as("bytes allocated to refuse %s (it inflates to %d MiB)", f, TestModels.BOMB_MIB).isLessThan(8L << 20);
        assertThat(refusal).isInstanceOf(ModelFormatException.class).hasMessageContaining(bomb.expected());
    }

    static Stream<TestModels.Hostile> bombs() {
        return TestModels.hostile().stream().filter(h -> h.name().startsWith("zip bomb"));
    }

    @Test
    void anEntryOfUnknownSizeIsRefused(@TempDir Path dir) throws Exception {
        Path f = TestModels.saveTiny(dir);
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(f.toFile())) {
            java.util.zip.ZipEntry unknown = new java.util.zip.ZipEntry(ModelFile.CONFIG); // size -1, as a streamed entry's
            assertThatThrownBy(() -> ModelFile.readEntry(zip, unknown, ModelFile.MAX_CONFIG_BYTES, f.toString()))
                    .isInstanceOf(ModelFormatException.class).hasMessageContaining("config.json declares no uncompressed size");
            assertThat(ModelFile.readEntry(zip, zip.getEntry(ModelFile.CONFIG), ModelFile.MAX_CONFIG_BYTES, f.toString()))
                    .isEqualTo(TestModels.entries(f).get(ModelFile.CONFIG));
        }
    }

    @Test
    void theWeightsCapIsWhatTheArchitectureNeedsPlusAHeader() {
        assertThat(ModelFile.weightsCap(Map.of("a", new int[] {15, 6}, "b", new int[] {3}), "f"))
                .isEqualTo(8 + ModelFile.MAX_WEIGHTS_HEADER_BYTES + 4 * (90 + 3));
        assertThatThrownBy(() -> ModelFile.weightsCap(Map.of("a", new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE}, "b",
                new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE}, "c", new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE}), "f"))
                .isInstanceOf(ModelFormatException.class).hasMessage("f: config.json: the architecture has too many parameters, "
                        + "more than a model file holds (weights.safetensors is limited to 1073741824 bytes)");
    }

    @Test
    void missingFileAndDirectoryAreFormatErrors(@TempDir Path dir) {
        assertThatThrownBy(() -> ModelFile.load(dir.resolve("none.jrnn"))).isInstanceOf(ModelFormatException.class)
                .hasMessageEndingWith("none.jrnn: file not found");
        assertThatThrownBy(() -> ModelFile.load(dir)).isInstanceOf(ModelFormatException.class).hasMessageContaining("is a directory");
    }

    @Test
    void unsafeEntryNames() {
        for (String bad : List.of("../evil", "a/../../b", "/abs", "C:/x", "a\\b", "./config.json", "")) {
            assertThat(ModelFile.unsafeEntryName(bad)).as(bad).isTrue();
        }
        for (String ok : List.of("config.json", "vocab.txt", "a/b", "x..y")) {
            assertThat(ModelFile.unsafeEntryName(ok)).as(ok).isFalse();
        }
    }

    @Test
    void hostileCatalogueCoversTheBrief() {
        List<String> names = TestModels.hostile().stream().map(TestModels.Hostile::name).toList();
        assertThat(names).contains("truncated zip", "corrupted bytes", "missing entry", "wrong format version", "shape mismatch",
                "huge header length", "offsets out of range", "overlapping offsets", "nan weights", "dot-dot entry name",
                "binary garbage", "huge declared entry size", "duplicate entry", "zip bomb", "zip bomb with the right declared size");
        assertThat(Arrays.asList(names.toArray())).doesNotHaveDuplicates();
    }
}
