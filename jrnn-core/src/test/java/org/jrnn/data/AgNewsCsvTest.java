// AgNewsCsv on small files written to a temporary directory: one well-formed file with the awkward
// characters AG News really has (doubled quotes, commas, backslashes), then one test per kind of error,
// each checking the one-line "<file>:<line>: <problem>" message.
package org.jrnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgNewsCsvTest {

    @TempDir
    Path dir;

    private static final String GOOD = """
            "3","Wall St. Bears Claw Back (Reuters)","Reuters - Short-sellers, Wall Street's dwindling\\band of ""ultra-cynics"", are seeing green."
            "1","a \\$ b, c","ends with a backslash\\"
            "4","#39;s &lt;b&gt;","two
            lines"
            "2","","empty title"
            """;

    @Test
    void readsQuotesCommasBackslashesAndLineBreaksLiterally() throws IOException {
        List<Example> rows = AgNewsCsv.read(write("good.csv", GOOD));
        assertThat(rows).containsExactly(
                new Example(2, "Wall St. Bears Claw Back (Reuters)",
                        "Reuters - Short-sellers, Wall Street's dwindling\\band of \"ultra-cynics\", are seeing green."),
                new Example(0, "a \\$ b, c", "ends with a backslash\\"),
                new Example(3, "#39;s &lt;b&gt;", "two\nlines"),
                new Example(1, "", "empty title"));
    }

    @Test
    void readsGzipByNameFromAPathOrAStream() throws IOException {
        byte[] gz = gzip(GOOD.getBytes(StandardCharsets.UTF_8));
        Path file = dir.resolve("good.csv.gz");
        Files.write(file, gz);
        assertThat(AgNewsCsv.read(file)).hasSize(4);
        assertThat(AgNewsCsv.read(new ByteArrayInputStream(gz), "x.csv.gz")).hasSize(4);
        assertThat(AgNewsCsv.read(new ByteArrayInputStream(GOOD.getBytes(StandardCharsets.UTF_8)), "x.csv")).hasSize(4);
    }

    @Test
    void toleratesCrlfAByteOrderMarkAndBlankLines() throws IOException {
        Path file = write("crlf.csv", "\uFEFF\"1\",\"t\",\"d\"\r\n\r\n\"2\",\"t2\",\"d2\"\r\n");
        assertThat(AgNewsCsv.read(file)).containsExactly(new Example(0, "t", "d"), new Example(1, "t2", "d2"));
    }

    @Test
    void wrongFieldCountNamesTheLineWhereTheRecordStarts() throws IOException {
        Path file = write("train.csv", "\"1\",\"t\",\"d\"\n\"2\",\"two\nlines\",\"d\"\n\"3\",\"only two\"\n");
        assertError(file).hasMessage(file + ":4: expected 3 fields (\"class\",\"title\",\"description\"), found 2");
        Path four = write("four.csv", "\"1\",\"t\",\"d\",\"extra\"\n");
        assertError(four).hasMessage(four + ":1: expected 3 fields (\"class\",\"title\",\"description\"), found 4");
    }

    @Test
    void classMustBeAnIntegerFrom1To4() throws IOException {
        Path notInt = write("a.csv", "\"1\",\"t\",\"d\"\n\"World\",\"t\",\"d\"\n");
        assertError(notInt).hasMessage(notInt + ":2: class \"World\" is not an integer (expected 1..4)");
        Path high = write("b.csv", "\"5\",\"t\",\"d\"\n");
        assertError(high).hasMessage(high + ":1: class 5 is out of range 1..4");
        Path zero = write("c.csv", "\"1\",\"t\",\"d\"\n\"1\",\"t\",\"d\"\n\"0\",\"t\",\"d\"\n");
        assertError(zero).hasMessage(zero + ":3: class 0 is out of range 1..4");
    }

    @Test
    void unterminatedQuoteAtTheEndIsReportedAtItsRecord() throws IOException {
        Path file = write("open.csv", "\"1\",\"t\",\"d\"\n\"2\",\"t\",\"d\"\n\"3\",\"title\",\"no closing quote\n");
        assertError(file).hasMessageStartingWith(file + ":3: unterminated quoted field");
    }

    @Test
    void missingClosingQuoteInsideTheFileIsReportedAtItsRecord() throws IOException {
        // The missing quote pairs with the next row's opening quote, so FastCSV sees '4' after a closing quote.
        Path file = write("open.csv", "\"1\",\"t\",\"d\"\n\"2\",\"t\",\"d\"\n\"3\",\"title\",\"no closing quote\n\"4\",\"t\",\"d\"\n");
        assertError(file).hasMessage(file + ":3: malformed quotes in the record starting here: Unexpected character"
                + " after closing quote: 4 (quotes inside a field must be doubled; or a closing quote is missing)");
    }

    @Test
    void undoubledQuoteInsideAFieldIsAnError() throws IOException {
        Path file = write("quote.csv", "\"1\",\"t\",\"d\"\n\"2\",\"He said \"hi\" today\",\"d\"\n");
        assertError(file).hasMessageStartingWith(file + ":2: malformed quotes in the record starting here:"
                + " Unexpected character after closing quote: h");
    }

    @Test
    void invalidUtf8IsReportedAtTheLineOfTheBadByte() throws IOException {
        byte[] bytes = "\"1\",\"t\",\"d\"\n\"1\",\"caf\u00e9\",\"d\"\n\"2\",\"bad X\",\"d\"\n".getBytes(StandardCharsets.UTF_8);
        int x = new String(bytes, StandardCharsets.UTF_8).indexOf('X') + 1; // +1: é takes two bytes
        bytes[x] = (byte) 0xC3; // a lead byte followed by '"' is malformed
        Path file = dir.resolve("latin.csv");
        Files.write(file, bytes);
        assertError(file).hasMessage(file + ":3: invalid UTF-8 (byte 0xC3 at byte offset " + x + ")");
    }

    @Test
    void wholeFileProblemsHaveNoLineNumber() throws IOException {
        Path empty = write("empty.csv", "");
        assertError(empty).hasMessage(empty + ": no rows");
        Path blank = write("blank.csv", "\n\n");
        assertError(blank).hasMessage(blank + ": no rows");
        Path missing = dir.resolve("missing.csv");
        assertError(missing).hasMessage(missing + ": file not found");
        assertError(dir).hasMessage(dir + ": is a directory, expected a CSV file");
        Path notGzip = write("plain.csv.gz", GOOD);
        assertError(notGzip).hasMessageStartingWith(notGzip + ": not a valid gzip file (");
        byte[] gz = gzip(GOOD.getBytes(StandardCharsets.UTF_8));
        Path truncated = dir.resolve("truncated.csv.gz");
        Files.write(truncated, java.util.Arrays.copyOf(gz, gz.length / 2));
        assertError(truncated).hasMessageStartingWith(truncated + ": not a valid gzip file (");
    }

    @Test
    void errorsCarryFileLineAndProblemSeparately() throws IOException {
        Path file = write("x.csv", "\"9\",\"t\",\"d\"\n");
        DataFormatException e = org.junit.jupiter.api.Assertions.assertThrows(
                DataFormatException.class, () -> AgNewsCsv.read(file));
        assertThat(e.file()).isEqualTo(file.toString());
        assertThat(e.line()).isEqualTo(1);
        assertThat(e.problem()).isEqualTo("class 9 is out of range 1..4");
        assertThat(new DataFormatException("f.csv", 2, "two\nlines").getMessage()).isEqualTo("f.csv:2: two lines");
    }

    @Test
    void classNamesFollowClassesTxt() {
        assertThat(AgNewsCsv.CLASS_NAMES).containsExactly("World", "Sports", "Business", "Sci/Tech");
        assertThat(AgNewsCsv.NUM_CLASSES).isEqualTo(AgNewsCsv.CLASS_NAMES.size());
    }

    private AbstractThrowableAssert<?, ? extends Throwable> assertError(Path file) {
        return assertThatThrownBy(() -> AgNewsCsv.read(file)).isInstanceOf(DataFormatException.class);
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content);
        return file;
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }
}
