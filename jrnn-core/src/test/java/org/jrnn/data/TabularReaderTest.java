// TabularReader on tiny files written to a temporary directory: columns by name and index, header
// detection, class order, quoting, and one test per kind of error, each checking "<file>:<line>: <problem>".
package org.jrnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.jrnn.errors.InvalidOptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TabularReaderTest {

    @TempDir
    Path dir;

    static final String REVIEWS = """
            id\ttitle\tbody\tsentiment
            1\tGreat phone\tBattery lasts two days\tpos
            2\tBroken\tStopped working after a week\tneg
            3\tOkay\tDoes the job\tneutral
            4\tLove it\tBest purchase this year\tpos
            """;

    Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    static ColumnSpec spec(String delimiter, Boolean header, List<String> text, String label) {
        return ColumnSpec.of(delimiter, header, text, label, true);
    }

    @Test
    void tsvWithHeaderColumnsByNameJoinedInTheGivenOrder() throws IOException {
        Dataset d = TabularReader.read(write("reviews.tsv", REVIEWS), spec(null, null, List.of("body", "title"), "sentiment"));
        assertThat(d.classNames()).containsExactly("neg", "neutral", "pos"); // sorted, not first appearance
        assertThat(d.examples()).containsExactly(
                new Example(2, "Battery lasts two days", "Great phone"),
                new Example(0, "Stopped working after a week", "Broken"),
                new Example(1, "Does the job", "Okay"),
                new Example(2, "Best purchase this year", "Love it"));
        assertThat(d.examples().get(0).text(TextField.TITLE_AND_DESCRIPTION)).isEqualTo("Battery lasts two days Great phone");
        assertThat(d.format()).isEqualTo("TSV with header; label: 'sentiment'; text: columns 'body' + 'title'");
    }

    @Test
    void threeTextColumnsMakeTitleAndTheRestJoined() throws IOException {
        Path f = write("t.csv", "a,b,c,y\nx1,x2,x3,p\ny1,y2,y3,q\n");
        Dataset d = TabularReader.read(f, spec(null, true, List.of("a", "b", "c"), "y"));
        assertThat(d.examples().get(0)).isEqualTo(new Example(0, "x1", "x2 x3"));
        assertThat(d.examples().get(0).text(TextField.TITLE_AND_DESCRIPTION)).isEqualTo("x1 x2 x3");
        assertThat(d.examples().get(0).text(TextField.TITLE)).isEqualTo("x1");
    }

    @Test
    void oneTextColumnHasNoTrailingSpace() throws IOException {
        Dataset d = TabularReader.read(write("one.csv", "text,label\nhello world,a\nbye,b\n"), spec(null, null, List.of("text"), "label"));
        assertThat(d.examples().get(0).text(TextField.TITLE_AND_DESCRIPTION)).isEqualTo("hello world");
    }

    @Test
    void defaultsAreLabelInColumnZeroAndTextInTheOthersWithIntegerLabelsSortedNumerically() throws IOException {
        Path f = write("n.csv", "10,ten,x\n2,two,y\n10,again,z\n");
        Dataset d = TabularReader.read(f, ColumnSpec.DEFAULT);
        assertThat(d.classNames()).containsExactly("2", "10");
        assertThat(d.examples()).containsExactly(new Example(1, "ten", "x"), new Example(0, "two", "y"), new Example(1, "again", "z"));
        assertThat(d.format()).isEqualTo("CSV, no header; label: 0; text: columns 1 + 2");
    }

    @Test
    void stringClassesSortByCodeUnits() throws IOException {
        Dataset d = TabularReader.read(write("s.csv", "b,t\nB,t\na,t\nb,u\n"), spec(null, false, List.of(), null));
        assertThat(d.classNames()).containsExactly("B", "a", "b");
    }

    @Test
    void aKaggleStyleHeaderIsDetectedFromIntegerLabels() throws IOException {
        Path f = write("kaggle.csv", "Class Index,Title,Description\n3,Wall St,Bears\n1,Talks,Geneva\n");
        Dataset d = TabularReader.read(f, ColumnSpec.DEFAULT);
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.classNames()).containsExactly("1", "3");
        assertThat(d.format()).startsWith("CSV with header");
    }

    @Test
    void aFileWithoutHeaderAndRepeatedStringLabelsIsData() throws IOException {
        Dataset d = TabularReader.read(write("d.tsv", "pos\tgood\nneg\tbad\npos\tfine\n"), ColumnSpec.DEFAULT);
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.format()).startsWith("TSV, no header");
    }

    @Test
    void aUniqueFirstLabelOverRepeatedLabelsIsAHeader() throws IOException {
        Dataset d = TabularReader.read(write("h.tsv", "label\ttext\npos\tgood\nneg\tbad\npos\tfine\nneg\tworse\n"), ColumnSpec.DEFAULT);
        assertThat(d.classNames()).containsExactly("neg", "pos");
        assertThat(d.format()).isEqualTo("TSV with header (detected); label: 'label'; text: column 'text'");
    }

    @Test
    void anAmbiguousFirstLineAsksForHeaderOrNoHeader() throws IOException {
        Path f = write("amb.tsv", "label\ttext\npos\tgood\nneg\tbad\npos\tfine\n");
        expectError(f, ColumnSpec.DEFAULT).hasMessage(f + ":1: is this line a header? Its label field 'label' occurs in no other row,"
                + " and neither do some other labels: pass --header if it is, or --no-header if it is data");
        assertThat(TabularReader.read(f, spec(null, true, List.of(), null)).classNames()).containsExactly("neg", "pos");
        assertThat(TabularReader.read(f, spec(null, false, List.of(), null)).classNames()).containsExactly("label", "neg", "pos");
    }

    @Test
    void aTestFileHeaderIsDetectedFromTheKnownClasses() throws IOException {
        Path f = write("test.tsv", "label\ttext\npos\tgood\nneg\tbad\n");
        Dataset d = TabularReader.read(f, ColumnSpec.DEFAULT, List.of("neg", "pos"), "the training data");
        assertThat(d.examples()).containsExactly(new Example(1, "good", ""), new Example(0, "bad", ""));
        assertThat(d.classNames()).containsExactly("neg", "pos");
    }

    @Test
    void testLabelsMissingFromTrainingAreAnErrorAtTheirLine() throws IOException {
        Path f = write("test.tsv", "pos\tgood\nneg\tbad\nmeh\tso so\nugh\tugh\nmeh\tagain\n");
        expectError(f, ColumnSpec.DEFAULT, List.of("neg", "pos"))
                .hasMessage(f + ":3: label 'meh' is not one of the classes of the training data (neg, pos) (2 unknown labels in all: 'meh', 'ugh')");
    }

    @Test
    void anUnknownFirstLabelHintsAtAHeader() throws IOException {
        Path f = write("test.tsv", "meh\tgood\nneg\tbad\nmeh\tx\n");
        expectError(f, ColumnSpec.DEFAULT, List.of("neg", "pos")).hasMessageEndingWith("; if line 1 is a header, pass --header");
    }

    @Test
    void unknownColumnNameListsTheHeader() throws IOException {
        Path f = write("reviews.tsv", REVIEWS);
        expectError(f, spec(null, null, List.of("text"), "sentiment"))
                .hasMessage(f + ":1: --text-column 'text': no such column; the header has: 'id', 'title', 'body', 'sentiment'");
        expectError(f, spec(null, null, List.of("body"), "label"))
                .hasMessage(f + ":1: --label-column 'label': no such column; the header has: 'id', 'title', 'body', 'sentiment'");
    }

    @Test
    void columnNamesMatchCaseInsensitivelyWhenNotExact() throws IOException {
        Dataset d = TabularReader.read(write("reviews.tsv", REVIEWS), spec(null, null, List.of("Body"), "SENTIMENT"));
        assertThat(d.classNames()).containsExactly("neg", "neutral", "pos");
    }

    @Test
    void indexOutOfRange() throws IOException {
        Path f = write("r.tsv", REVIEWS);
        expectError(f, spec(null, true, List.of("2"), "4")).hasMessage(f + ":1: --label-column 4 is out of range: line 1 has 4 columns (0..3)");
        expectError(f, spec(null, true, List.of("7"), "3")).hasMessage(f + ":1: --text-column 7 is out of range: line 1 has 4 columns (0..3)");
    }

    @Test
    void singleClassNeedsAtLeastTwo() throws IOException {
        Path f = write("one.csv", "spam,buy now\nspam,cheap pills\n");
        expectError(f, ColumnSpec.DEFAULT).hasMessage(f + ": needs at least 2 classes, found 1: every row has the label 'spam' (label column 0)");
    }

    @Test
    void emptyTextIsAnErrorAtTheFirstEmptyRowWithTheCount() throws IOException {
        Path f = write("e.tsv", "label\ttitle\tbody\na\tx\ty\nb\t\t \nc\tz\t\nd\t\t\n");
        expectError(f, spec(null, true, List.of("title", "body"), "label"))
                .hasMessage(f + ":3: empty text in columns 'title' + 'body'; 2 rows have no text, the first at this line"
                        + " (remove them, or choose other text columns)");
    }

    @Test
    void emptyLabelIsAnError() throws IOException {
        Path f = write("e.csv", "a,x\n ,y\nb,z\n");
        expectError(f, ColumnSpec.DEFAULT).hasMessage(f + ":2: empty label in column 0");
    }

    @Test
    void mismatchedColumnCounts() throws IOException {
        Path f = write("m.tsv", REVIEWS + "5\tShort row\tpos\n");
        expectError(f, spec(null, null, List.of("body"), "sentiment"))
                .hasMessage(f + ":6: expected 4 fields like the header, found 3 (a tab inside a field?)");
        Path g = write("m.csv", "a,x,y\nb,z\n");
        expectError(g, ColumnSpec.DEFAULT).hasMessage(g + ":2: expected 3 fields like line 1, found 2");
    }

    @Test
    void quotedFieldsMayHoldDelimitersQuotesAndLineBreaks() throws IOException {
        Path f = write("q.csv", "label,text\npos,\"good, \"\"really\"\"\nfine\"\nneg,bad\n");
        Dataset d = TabularReader.read(f, spec(null, true, List.of(), null));
        assertThat(d.examples().get(0).title()).isEqualTo("good, \"really\"\nfine");
    }

    @Test
    void withoutQuotingAQuoteIsAnOrdinaryCharacter() throws IOException {
        Path f = write("sst.tsv", "sentence\tlabel\n\"Hi\" he said\t1\nit 's \" fine\t0\n");
        expectError(f, spec(null, true, List.of("sentence"), "label")).hasMessageContaining(":2: malformed quotes")
                .hasMessageContaining("pass --no-quoting");
        Dataset d = TabularReader.read(f, ColumnSpec.of(null, true, List.of("sentence"), "label", false));
        assertThat(d.examples()).containsExactly(new Example(1, "\"Hi\" he said", ""), new Example(0, "it 's \" fine", ""));
        assertThat(d.classNames()).containsExactly("0", "1");
    }

    @Test
    void unterminatedQuoteNamesItsRecord() throws IOException {
        Path f = write("u.csv", "a,x\nb,\"never closed\nc,y\n");
        expectError(f, ColumnSpec.DEFAULT).hasMessageStartingWith(f + ":2: unterminated quoted field");
    }

    @Test
    void delimiterByExtensionIncludingGzipOrChosen() throws IOException {
        Path gz = dir.resolve("r.tsv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(REVIEWS.getBytes(StandardCharsets.UTF_8));
        }
        assertThat(TabularReader.read(gz, spec(null, null, List.of("body"), "sentiment")).size()).isEqualTo(4);
        Path semi = write("r.txt", "y;text\na;x\nb;z\n");
        assertThat(TabularReader.read(semi, spec("semicolon", true, List.of(), null)).classNames()).containsExactly("a", "b");
        assertThat(TabularReader.read(write("r.csv", "y\ttext\na\tx\nb\tz\n"), spec("tab", true, List.of(), null)).size()).isEqualTo(2);
    }

    @Test
    void aOneColumnFileSaysSo() throws IOException {
        Path f = write("one.csv", "a\tx\nb\ty\n");
        expectError(f, ColumnSpec.DEFAULT).hasMessage(f + ":1: only one column: expected a label column and at least one text column"
                + " (for a TSV file use the .tsv extension or --delimiter tab)");
    }

    @Test
    void aTextColumnAsLabelGivesTooManyClasses() throws IOException {
        StringBuilder sb = new StringBuilder("text,label\n");
        for (int i = 0; i < 30; i++) sb.append("row number ").append(i).append(",").append(i % 2).append('\n');
        Path f = write("wrong.csv", sb.toString());
        expectError(f, spec(null, null, List.of("label"), "text"))
                .hasMessage(f + ": label column 'text' has 30 distinct labels in 30 rows: is it really the label column? (choose it with --label-column)");
    }

    @Test
    void missingEmptyAndHeaderOnlyFiles() throws IOException {
        expectError(dir.resolve("none.tsv"), ColumnSpec.DEFAULT).hasMessage(dir.resolve("none.tsv") + ": file not found");
        Path empty = write("empty.tsv", "");
        expectError(empty, ColumnSpec.DEFAULT).hasMessage(empty + ": no rows");
        Path header = write("h.tsv", "label\ttext\n");
        expectError(header, spec(null, true, List.of(), null)).hasMessage(header + ": no rows after the header");
    }

    @Test
    void columnSpecChecksItsSettings() {
        // Settings are named as the record names them; the CLI renders its flags (see cli/Flags).
        assertThatThrownBy(() -> spec(null, null, List.of("a"), "a")).isInstanceOf(InvalidOptionException.class)
                .hasMessage("column 'a' cannot be both labelColumn and textColumns");
        assertThatThrownBy(() -> spec(null, false, List.of("text"), null))
                .hasMessage("columns are chosen by name, but header=ABSENT says the file has no header: use 0-based indices");
        assertThatThrownBy(() -> spec("ab", null, List.of(), null)).hasMessageContaining("delimiter must be one character");
        assertThatThrownBy(() -> spec(null, null, List.of("1", "1"), null)).hasMessage("textColumns 1 is given twice");
        assertThat(ColumnSpec.Column.parse("07")).isEqualTo(new ColumnSpec.Column(null, 7));
        assertThat(ColumnSpec.Column.parse("text")).isEqualTo(new ColumnSpec.Column("text", -1));
        assertThat(ColumnSpec.DEFAULT.delimiterFor("a.TSV")).isEqualTo('\t');
        assertThat(ColumnSpec.DEFAULT.delimiterFor("a.tab.gz")).isEqualTo('\t');
        assertThat(ColumnSpec.DEFAULT.delimiterFor("a.csv")).isEqualTo(',');
        assertThat(spec(null, null, List.of(), null).isDefault()).isTrue();
        assertThat(spec(null, null, List.of(), "0").isDefault()).isFalse();
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> expectError(Path f, ColumnSpec spec) {
        return expectError(f, spec, null);
    }

    /** The CLI's flags for the settings data-file hints name (jrnn-cli's Flags table has the same entries; its test checks them). */
    static final java.util.Map<String, String> FLAGS = java.util.Map.of("labelColumn", "--label-column", "textColumns", "--text-column",
            "delimiter", "--delimiter", ColumnSpec.HEADER, "--header", ColumnSpec.NO_HEADER, "--no-header", ColumnSpec.NO_QUOTING, "--no-quoting");

    /** Asserts a DataFormatException and hands on its message as the CLI prints it (settings spelled as flags). */
    private static AbstractThrowableAssert<?, ? extends Throwable> expectError(Path f, ColumnSpec spec, List<String> known) {
        try {
            TabularReader.read(f, spec, known, "the training data");
        } catch (DataFormatException e) {
            return assertThat(new AssertionError(e.message(s -> FLAGS.getOrDefault(s, s)), e));
        } catch (Exception e) {
            throw new AssertionError("expected a DataFormatException, got " + e, e);
        }
        throw new AssertionError("expected a DataFormatException, nothing was thrown");
    }

    @Test
    void libraryMessagesNameSettingsNotFlags() throws IOException {
        Path f = write("sst.tsv", "sentence\tlabel\n\"Hi\" he said\t1\nit 's \" fine\t0\n");
        assertThatThrownBy(() -> TabularReader.read(f, spec(null, true, List.of("sentence"), "label"), null, "the training data"))
                .isInstanceOf(DataFormatException.class).hasMessageContaining("pass " + ColumnSpec.NO_QUOTING + ")")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("--"));
    }
}
