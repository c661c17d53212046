// WordVectors on tiny files written in the test: GloVe text, word2vec text with its header, word2vec binary,
// the exact-then-lower-case matching rule, and each kind of malformed file with its "<file>:<line>" message.
package org.jrnn.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.jrnn.data.DataFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordVectorsTest {
    static final List<String> VOCAB = List.of("", "[UNK]", "the", "paris", "cat", "zzz");

    @TempDir
    Path dir;

    Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void gloveTextMatchesExactlyThenLowerCasedAndKeepsTheFirstOfEqualWords() throws IOException {
        Path f = write("glove.txt", "the 0.1 0.2 0.3\nParis 1 2 3\nparis 4 5 6\nCat 7 8 9\nCAT -1 -2 -3\nthe 9 9 9\n[UNK] 5 5 5\nunused 0 0 0\n");
        WordVectors v = WordVectors.read(f, VOCAB);
        assertThat(v.format()).isEqualTo("GloVe text");
        assertThat(v.dim()).isEqualTo(3);
        assertThat(v.fileWords()).isEqualTo(8);
        assertThat(v.row(0)).isNull();
        assertThat(v.row(1)).as("[UNK] is never matched").isNull();
        assertThat(v.row(2)).containsExactly(0.1f, 0.2f, 0.3f); // the first "the"
        assertThat(v.row(3)).as("exact 'paris' beats the earlier 'Paris'").containsExactly(4f, 5f, 6f);
        assertThat(v.row(4)).as("lower-cased, first of Cat/CAT").containsExactly(7f, 8f, 9f);
        assertThat(v.row(5)).isNull();
        assertThat(v.found()).isEqualTo(3);
        assertThat(v.foundLowerCase()).isEqualTo(1);
        assertThat(v.tokens()).isEqualTo(4);
        assertThat(v.coverage()).isEqualTo("3 of 4 vocabulary tokens found (75.0 %)");
    }

    @Test
    void word2vecTextHasACountDimHeaderAndTrailingSpaces() throws IOException {
        Path f = write("w2v.txt", "3 2\nthe 0.5 -0.5 \r\nParis 1e-1 2 \n\nzzz 3 4 \n");
        WordVectors v = WordVectors.read(f, VOCAB);
        assertThat(v.format()).isEqualTo("word2vec text");
        assertThat(v.dim()).isEqualTo(2);
        assertThat(v.fileWords()).isEqualTo(3);
        assertThat(v.row(2)).containsExactly(0.5f, -0.5f);
        assertThat(v.row(3)).containsExactly(0.1f, 2f);
        assertThat(v.row(5)).containsExactly(3f, 4f);
    }

    static byte[] binary(String header, Object... wordsAndVectors) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < wordsAndVectors.length; i += 2) {
            out.writeBytes((wordsAndVectors[i] + " ").getBytes(StandardCharsets.UTF_8));
            float[] v = (float[]) wordsAndVectors[i + 1];
            ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float x : v) b.putFloat(x);
            out.writeBytes(b.array());
            if (i % 4 == 0) out.write('\n'); // word2vec.c writes a newline; gensim does not: mix both
        }
        return out.toByteArray();
    }

    @Test
    void word2vecBinaryWithAndWithoutNewlines() throws IOException {
        Path f = dir.resolve("vectors.bin");
        Files.write(f, binary("3 2\n", "cat", new float[] {1.5f, -2f}, "The", new float[] {3f, 4f}, "caf\u00e9", new float[] {5f, 6f}));
        WordVectors v = WordVectors.read(f, VOCAB);
        assertThat(v.format()).isEqualTo("word2vec binary");
        assertThat(v.fileWords()).isEqualTo(3);
        assertThat(v.row(4)).containsExactly(1.5f, -2f);
        assertThat(v.row(2)).containsExactly(3f, 4f);
        assertThat(v.found()).isEqualTo(2);
    }

    @Test
    void gzipTextIsRead() throws IOException {
        Path f = dir.resolve("glove.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write("cat 1 2\nthe 3 4\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(WordVectors.read(f, VOCAB).found()).isEqualTo(2);
    }

    @Test
    void wordsWithSpacesAreSkipped() throws IOException {
        Path f = write("840b.txt", "the 1 2\n. . . 3 4\nat name@domain.com 5 6\ncat 7 8\n");
        WordVectors v = WordVectors.read(f, VOCAB);
        assertThat(v.found()).isEqualTo(2);
        assertThat(v.row(4)).containsExactly(7f, 8f);
    }

    @Test
    void copyIntoFillsFoundRowsOnly() throws IOException {
        WordVectors v = WordVectors.read(write("g.txt", "cat 1 2\n"), VOCAB);
        float[] w = new float[6 * 2];
        Arrays.fill(w, -9f);
        assertThat(v.copyInto(w, 6, 2)).isEqualTo(1);
        assertThat(w).containsExactly(-9, -9, -9, -9, -9, -9, -9, -9, 1, 2, -9, -9);
        assertThatThrownBy(() -> v.copyInto(w, 6, 3)).hasMessage("embedding is (6, 3) but the vectors are for (6, 2)");
    }

    @Test
    void wrongNumberOfValuesAndInconsistentDimensions() throws IOException {
        Path f = write("bad.txt", "the 1 2 3\ncat 1 2\n");
        expectError(f).hasMessage(f + ":2: expected 3 values after the word (the dimension set by line 1), found 2");
        Path g = write("bad2.txt", "2 3\nthe 1 2 3\ncat 1 2 3 4\n");
        expectError(g).hasMessage(g + ":3: expected 3 values after the word (the dimension set by line 1), found 4");
    }

    @Test
    void nonNumericAndNonFiniteValues() throws IOException {
        Path f = write("bad.txt", "the 1 2\ncat 1 x2\n");
        expectError(f).hasMessage(f + ":2: value 2 of 'cat' is not a number: 'x2'");
        Path g = write("nan.txt", "the 1 NaN\n");
        expectError(g).hasMessage(g + ":1: value 2 of 'the' is not finite: NaN");
    }

    @Test
    void headerCountsAreCheckedNeverTrusted() throws IOException {
        Path huge = write("huge.txt", "999999999999 2\nthe 1 2\n");
        expectError(huge).hasMessage(huge + ": truncated: the header announces 999999999999 words, the file has 1");
        Path more = write("more.txt", "1 2\nthe 1 2\ncat 3 4\n");
        expectError(more).hasMessage(more + ":3: more words than the 1 the header announces");
        Path wide = write("wide.txt", "2 100000000\nthe 1 2\n");
        expectError(wide).hasMessage(wide + ":1: dimension 100000000 is outside 1..10000");
        Path bin = dir.resolve("huge.bin");
        Files.write(bin, binary("999999999999 2\n", "the", new float[] {1, 2}));
        expectError(bin).hasMessage(bin + ": truncated: the header announces 999999999999 words, the file ends in word 2");
        Path wideBin = dir.resolve("wide.bin");
        Files.write(wideBin, binary("1 2000000000\n"));
        expectError(wideBin).hasMessage(wideBin + ":1: dimension 2000000000 is outside 1..10000");
    }

    @Test
    void truncatedBinary() throws IOException {
        byte[] full = binary("2 3\n", "the", new float[] {1, 2, 3}, "cat", new float[] {4, 5, 6});
        Path f = dir.resolve("cut.bin");
        Files.write(f, Arrays.copyOf(full, full.length - 5));
        expectError(f).hasMessage(f + ": truncated: the header announces 2 words, the file ends in word 2 ('cat')");
        Files.write(f, Arrays.copyOf(full, 2));
        expectError(f).hasMessage(f + ":1: expected a \"count dim\" header line");
        Files.write(f, "GloVe 1 2\n".getBytes(StandardCharsets.US_ASCII));
        expectError(f).hasMessage(f + ":1: expected a \"count dim\" header line, found 'GloVe 1 2'");
        Path extra = dir.resolve("extra.bin");
        byte[] withJunk = Arrays.copyOf(full, full.length + 3);
        withJunk[full.length] = 'x';
        Files.write(extra, withJunk);
        expectError(extra).hasMessage(extra + ": more data after the 2 words the header announces");
    }

    @Test
    void aBinaryFileNamedAsTextSaysSo() throws IOException {
        Path f = dir.resolve("vectors.txt");
        Files.write(f, binary("1 2\n", "the", new float[] {0, 1}));
        expectError(f).hasMessageStartingWith(f + ":2: binary data in a text file (word2vec binary files must be named *.bin)");
    }

    @Test
    void missingAndEmptyFiles() throws IOException {
        expectError(dir.resolve("none.txt")).hasMessage(dir.resolve("none.txt") + ": file not found");
        Path empty = write("empty.txt", "");
        expectError(empty).hasMessage(empty + ": empty file");
        Path word = write("word.txt", "lonely\n");
        expectError(word).hasMessage(word + ":1: expected a word and its vector values, or a \"count dim\" header");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> expectError(Path f) {
        return assertThatThrownBy(() -> WordVectors.read(f, VOCAB)).isInstanceOf(DataFormatException.class);
    }
}
