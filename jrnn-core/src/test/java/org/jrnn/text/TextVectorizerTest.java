// Golden tests for TextVectorizer: expected tokens come from the anchor's bench.py tokenize() (run by hand
// with /usr/bin/python3), and the vocabulary test compares with the anchor's runs/vocab.txt, committed as a
// gzip fixture (tools/data/make_text_fixtures.sh), so nothing under /work/shared is read at test time.
package org.jrnn.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.jrnn.data.AgNewsCsv;
import org.jrnn.data.Example;
import org.jrnn.data.TextField;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.text.TextVectorizer.TieOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextVectorizerTest {

    // ------------------------------------------------------------ standardize / tokenize

    @Test
    void standardizeLowersAsciiOnlyAndDeletesPunctuation() {
        assertThat(TextVectorizer.standardize("Ünïcödé Straße")).isEqualTo("Ünïcödé straße");
        assertThat(TextVectorizer.standardize("don't")).isEqualTo("dont");
        assertThat(TextVectorizer.standardize("AT&T #39;s")).isEqualTo("att 39s");
        assertThat(TextVectorizer.standardize("second\\team")).isEqualTo("secondteam");
        assertThat(TextVectorizer.standardize("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")).isEmpty();
        assertThat(TextVectorizer.standardize("A\tB\nC")).isEqualTo("a\tb\nc"); // whitespace is kept
    }

    @Test
    void tokenizeMatchesTheAnchor() {
        assertThat(TextVectorizer.tokenize("Ünïcödé Straße")).containsExactly("Ünïcödé", "straße");
        assertThat(TextVectorizer.tokenize("don't stop")).containsExactly("dont", "stop");
        assertThat(TextVectorizer.tokenize("AT&T #39;s deal")).containsExactly("att", "39s", "deal");
        assertThat(TextVectorizer.tokenize("second\\team")).containsExactly("secondteam");
        assertThat(TextVectorizer.tokenize("a \\ b")).containsExactly("a", "b");
        assertThat(TextVectorizer.tokenize("U.S. $1.5bn (Reuters)")).containsExactly("us", "15bn", "reuters");
        assertThat(TextVectorizer.tokenize("e-mail co-op")).containsExactly("email", "coop");
        assertThat(TextVectorizer.tokenize("ÀÉ ABC naïve café")).containsExactly("ÀÉ", "abc", "naïve", "café");
        assertThat(TextVectorizer.tokenize("🙂 Emoji")).containsExactly("🙂", "emoji");
        assertThat(TextVectorizer.tokenize("[UNK] <pad>")).containsExactly("unk", "pad");
    }

    @Test
    void tokenizeSplitsOnAsciiWhitespaceOnly() {
        assertThat(TextVectorizer.tokenize("tab\there\nnew\r\nline\u000Bvt\fff  end "))
                .containsExactly("tab", "here", "new", "line", "vt", "ff", "end");
        // No-break space and em space are not ASCII whitespace: tf.strings.split keeps them inside the token.
        assertThat(TextVectorizer.tokenize("\u00A0nbsp\u00A0x y\u2003z")).containsExactly("\u00A0nbsp\u00A0x", "y\u2003z");
    }

    @Test
    void tokenizeGivesNothingForEmptyOrPunctuationOnlyText() {
        assertThat(TextVectorizer.tokenize("")).isEmpty();
        assertThat(TextVectorizer.tokenize(" \t\n ")).isEmpty();
        assertThat(TextVectorizer.tokenize("!!! ... --- \\ #")).isEmpty();
    }

    // ------------------------------------------------------------ adapt

    @Test
    void adaptOrdersByCountThenFirstAppearance() {
        TextVectorizer v = TextVectorizer.adapt(List.of("b a c", "C b", "é z"), 100, TieOrder.FIRST_APPEARANCE);
        assertThat(v.vocabulary()).containsExactly("", "[UNK]", "b", "c", "a", "é", "z");
    }

    @Test
    void adaptWithKerasTiesOrdersEqualCountsByDescendingUtf8Bytes() {
        TextVectorizer v = TextVectorizer.adapt(List.of("b a c", "C b", "é z"), 100, TieOrder.KERAS);
        assertThat(v.vocabulary()).containsExactly("", "[UNK]", "c", "b", "é", "z", "a");
        // U+1F642 (UTF-8 F0 ..) sorts above U+FF21 (EF ..), though its UTF-16 form (D83D ..) sorts below.
        TextVectorizer w = TextVectorizer.adapt(List.of("\uFF21 🙂 ab abc"), 100, TieOrder.KERAS);
        assertThat(w.vocabulary()).containsExactly("", "[UNK]", "🙂", "\uFF21", "abc", "ab");
    }

    @Test
    void adaptCutsTheVocabularyAtMaxTokens() {
        List<String> texts = List.of("the cat the dog the cat");
        assertThat(TextVectorizer.adapt(texts, 3, TieOrder.FIRST_APPEARANCE).vocabulary())
                .containsExactly("", "[UNK]", "the");
        assertThat(TextVectorizer.adapt(texts, 2, TieOrder.FIRST_APPEARANCE).vocabulary())
                .containsExactly("", "[UNK]");
        assertThat(TextVectorizer.adapt(texts, TextVectorizer.DEFAULT_MAX_TOKENS, TieOrder.FIRST_APPEARANCE).size())
                .isEqualTo(5);
        assertThat(TextVectorizer.adapt(List.of("", "..."), 10, TieOrder.KERAS).vocabulary())
                .containsExactly("", "[UNK]");
    }

    @Test
    void adaptRejectsBadArguments() {
        // max_tokens is the user's vocabulary size: user input; null arguments are a caller's bug.
        assertThatThrownBy(() -> TextVectorizer.adapt(List.of("a"), 1, TieOrder.KERAS))
                .isInstanceOf(InvalidOptionException.class)
                .hasMessage("maxTokens must be >= 2, received: 1");
        assertThatThrownBy(() -> TextVectorizer.adapt(List.of("a"), 10, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ------------------------------------------------------------ encode

    @Test
    void encodeMapsUnknownTokensToOneAndPadsOrTruncatesOnRequest() {
        TextVectorizer v = TextVectorizer.adapt(List.of("the cat the dog"), 100, TieOrder.FIRST_APPEARANCE);
        assertThat(v.vocabulary()).containsExactly("", "[UNK]", "the", "cat", "dog");
        assertThat(v.encode("The bird, the CAT!")).containsExactly(2, 1, 2, 3);
        assertThat(v.encode("The bird, the CAT!", 6)).containsExactly(2, 1, 2, 3, 0, 0);
        assertThat(v.encode("The bird, the CAT!", 2)).containsExactly(2, 1);
        assertThat(v.encode("")).isEmpty();
        assertThat(v.encode("...", 3)).containsExactly(0, 0, 0);
        assertThat(v.indexOf("dog")).isEqualTo(4);
        assertThat(v.indexOf("Dog")).isEqualTo(TextVectorizer.OOV_INDEX); // indexOf takes standardized tokens
        assertThat(v.indexOf("[UNK]")).isEqualTo(1);
        assertThatThrownBy(() -> v.encode("a", 0)).hasMessage("outputSequenceLength must be >= 1, received: 0");
    }

    // ------------------------------------------------------------ fromVocabulary and files

    @Test
    void fromVocabularyChecksTheReservedEntriesAndDuplicates() {
        assertThat(TextVectorizer.fromVocabulary(List.of("", "[UNK]", "a")).indexOf("a")).isEqualTo(2);
        assertThatThrownBy(() -> TextVectorizer.fromVocabulary(List.of("x", "[UNK]")))
                .hasMessage("vocabulary entry 0 must be \"\" (padding), received: \"x\"");
        assertThatThrownBy(() -> TextVectorizer.fromVocabulary(List.of("", "<unk>")))
                .hasMessage("vocabulary entry 1 must be \"[UNK]\", received: \"<unk>\"");
        assertThatThrownBy(() -> TextVectorizer.fromVocabulary(List.of("")))
                .hasMessageContaining("received 1 entries");
        assertThatThrownBy(() -> TextVectorizer.fromVocabulary(List.of("", "[UNK]", "a", "b", "a")))
                .hasMessage("vocabulary entry 4 \"a\" repeats entry 2");
        assertThatThrownBy(() -> TextVectorizer.fromVocabulary(List.of("", "[UNK]", "")))
                .hasMessageContaining("entry 2 must be a non-empty token");
        assertThatThrownBy(() -> TextVectorizer.fromVocabulary(List.of("", "[UNK]", "a\nb")))
                .hasMessageContaining("received: \"a\\nb\"");
    }

    @Test
    void vocabularyFileRoundTrips(@TempDir Path dir) throws IOException {
        TextVectorizer v = TextVectorizer.adapt(List.of("b a c C b Ünï"), 100, TieOrder.FIRST_APPEARANCE);
        Path file = dir.resolve("vocab.txt");
        Files.writeString(file, "old content");
        v.writeVocabulary(file);
        assertThat(Files.readString(file)).isEqualTo("\n[UNK]\nb\nc\na\nÜnï\n");
        assertThat(TextVectorizer.readVocabulary(file).vocabulary()).isEqualTo(v.vocabulary());
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file); // no temporary file left behind
        }
        Files.writeString(file, "\n[UNK]\nb"); // no trailing newline
        assertThat(TextVectorizer.readVocabulary(file).vocabulary()).containsExactly("", "[UNK]", "b");
    }

    @Test
    void readVocabularyNamesTheFileOnBadContent(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.txt");
        Files.writeString(file, "the\n[UNK]\n");
        assertThatThrownBy(() -> TextVectorizer.readVocabulary(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(file + ": vocabulary entry 0 must be \"\" (padding), received: \"the\"");
    }

    @Test
    void readVocabularyNamesTheFileOnInvalidUtf8(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("latin1.txt");
        Files.write(file, new byte[] {'\n', '[', 'U', 'N', 'K', ']', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'});
        assertThatThrownBy(() -> TextVectorizer.readVocabulary(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(file + ": not valid UTF-8");
    }

    @Test
    void aFullDiskLeavesThePreviousVocabulary(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("vocab.txt");
        TextVectorizer.fromVocabulary(List.of("", "[UNK]", "old")).writeVocabulary(file);
        TextVectorizer big = TextVectorizer.adapt(List.of("a b c d e f g h i j k l m n o p"), 100, TieOrder.FIRST_APPEARANCE);
        org.jrnn.files.AtomicFiles.installStreamWrapper(org.jrnn.testing.FailingDisk.fullAfter(10));
        try {
            assertThatThrownBy(() -> big.writeVocabulary(file))
                    .isExactlyInstanceOf(IOException.class)
                    .hasMessage("writing " + file + ": " + org.jrnn.testing.FailingDisk.ENOSPC);
        } finally {
            org.jrnn.files.AtomicFiles.installStreamWrapper(null);
        }
        assertThat(Files.readString(file)).isEqualTo("\n[UNK]\nold\n");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    // ------------------------------------------------------------ identity with the PyTorch anchor

    @Test
    void adaptOnTheFirst2000TrainRowsReproducesTheAnchorVocabulary(@TempDir Path dir) throws Exception {
        List<Example> rows;
        try (InputStream in = resource("train_first2000.csv.gz")) {
            rows = AgNewsCsv.read(in, "train_first2000.csv.gz");
        }
        assertThat(rows).hasSize(2000);
        List<String> texts = rows.stream().map(e -> e.text(TextField.TITLE_AND_DESCRIPTION)).toList();
        byte[] anchorBytes;
        try (InputStream in = new GZIPInputStream(resource("anchor_vocab.txt.gz"))) {
            anchorBytes = in.readAllBytes();
        }
        String anchorText = new String(anchorBytes, StandardCharsets.UTF_8);
        List<String> anchor = Arrays.asList(anchorText.substring(0, anchorText.length() - 1).split("\n", -1));

        TextVectorizer first = TextVectorizer.adapt(texts, TextVectorizer.DEFAULT_MAX_TOKENS, TieOrder.FIRST_APPEARANCE);
        assertThat(first.size()).isEqualTo(11_358);
        assertThat(first.vocabulary()).containsExactlyElementsOf(anchor);
        assertThat(md5(first.vocabulary())).isEqualTo("47bbb0fd97cb30dc9aad40220382786b");
        Path file = dir.resolve("vocab.txt");
        first.writeVocabulary(file);
        assertThat(Files.readAllBytes(file)).isEqualTo(anchorBytes);

        TextVectorizer keras = TextVectorizer.adapt(texts, TextVectorizer.DEFAULT_MAX_TOKENS, TieOrder.KERAS);
        assertThat(keras.vocabulary()).containsExactlyInAnyOrderElementsOf(anchor);
        assertThat(md5(keras.vocabulary())).isEqualTo("ea89d8afbe9ba9784b96fb2195a17e7e");
    }

    private static InputStream resource(String name) {
        InputStream in = TextVectorizerTest.class.getResourceAsStream(name);
        assertThat(in).as("test resource %s", name).isNotNull();
        return in;
    }

    private static String md5(List<String> vocab) throws NoSuchAlgorithmException {
        byte[] digest = MessageDigest.getInstance("MD5").digest(String.join("\n", vocab).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest);
    }
}
