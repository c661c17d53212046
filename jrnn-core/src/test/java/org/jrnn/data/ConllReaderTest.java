// ConllReader on tiny files: the three layouts it accepts, -DOCSTART- and CRLF, the sorted tag set, and one
// test per kind of error, each checking "<file>:<line>: <problem>".
package org.jrnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConllReaderTest {
    @TempDir
    Path dir;

    Path write(String content) throws IOException {
        Path f = dir.resolve("d.tsv");
        Files.writeString(f, content);
        return f;
    }

    @Test
    void tabSpaceAndMultiColumnLinesReadAlike() throws IOException {
        String tab = "Angela\tB-PER\nMerkel\tI-PER\nvisited\tO\nParis\tB-LOC\n\nHi\tO\n";
        String space = "Angela B-PER\nMerkel  I-PER\nvisited O\nParis B-LOC\n\nHi O\n";
        String conll = "Angela NNP B-NP B-PER\nMerkel NNP I-NP I-PER\nvisited VBD B-VP O\nParis NNP B-NP B-LOC\n\nHi UH O O\n";
        for (String s : List.of(tab, space, conll)) {
            List<TaggedSentence> r = ConllReader.read(write(s));
            assertThat(r).hasSize(2);
            assertThat(r.get(0).tokens()).containsExactly("Angela", "Merkel", "visited", "Paris");
            assertThat(r.get(0).tags()).containsExactly("B-PER", "I-PER", "O", "B-LOC");
            assertThat(r.get(0).line()).isEqualTo(1);
            assertThat(r.get(1).line()).isEqualTo(6);
        }
    }

    @Test
    void docstartBlankRunsAndCrlfEndSentencesAndAreSkipped() throws IOException {
        String s = "-DOCSTART- -X- -X- O\r\n\r\n\r\nEU\tB-ORG\r\nrejects\tO\r\n \t \r\n-DOCSTART-\tO\r\nGerman\tB-MISC\r\n";
        List<TaggedSentence> r = ConllReader.read(write(s));
        assertThat(r).extracting(TaggedSentence::tokens).containsExactly(List.of("EU", "rejects"), List.of("German"));
        assertThat(r).extracting(TaggedSentence::line).containsExactly(4L, 8L);
        assertThat(ConllReader.tagSet(r)).containsExactly("B-MISC", "B-ORG", "O"); // sorted, not first appearance
    }

    @Test
    void caseAndPunctuationAreKept() throws IOException {
        List<TaggedSentence> r = ConllReader.read(write("U.S.\tB-LOC\n,\tO\nnew\tO\nNew\tB-LOC\n"));
        assertThat(r.get(0).tokens()).containsExactly("U.S.", ",", "new", "New");
    }

    @Test
    void errorsNameFileAndLine() throws IOException {
        expect("Angela\tB-PER\nMerkel\n", ":2: 'Merkel' has no tag: expected 'token<TAB>tag'");
        expect("Angela\tB-PER\n\tO\n", ":2: empty token before tag 'O'");
        expect("a\tO\n\nParis\t\n", ":3: empty tag after token 'Paris'");
        expect("\n\n-DOCSTART-\tO\n\n", ": no sentences");
        expect("a\tO\n" + "x".repeat(ConllReader.MAX_LINE_BYTES + 1) + "\tO\n", ":2: line longer than 65536 bytes");
        Path f = dir.resolve("bad.tsv");
        Files.write(f, new byte[] {'a', '\t', 'O', '\n', 'b', (byte) 0xC3, '\t', 'O', '\n'});
        assertThatThrownBy(() -> ConllReader.read(f)).isInstanceOf(DataFormatException.class)
                .hasMessage(f + ":2: invalid UTF-8: expected text, one token and its tag per line");
        assertThatThrownBy(() -> ConllReader.read(dir.resolve("missing.tsv"))).hasMessageEndingWith("missing.tsv: file not found");
    }

    @Test
    void aSentenceOverTheLimitNamesWhereItStarted() {
        String s = "x\tO\n\n" + "a\tO\n".repeat(4);
        assertThatThrownBy(() -> ConllReader.read(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)), "s.tsv", 3))
                .isInstanceOf(DataFormatException.class)
                .hasMessage("s.tsv:6: sentence starting at line 3 is longer than 3 tokens (a missing blank line between sentences?)");
    }

    @Test
    void anUnknownTagNamesItsLineAndTheKnownTags() throws IOException {
        List<TaggedSentence> r = ConllReader.read(write("a\tO\nb\tB-PER\n\nc\tO\nd\tB-XYZ\n"));
        assertThat(ConllReader.tagIds(r.subList(0, 1), List.of("B-PER", "O"), "d.tsv", "the model")).isDeepEqualTo(new int[][] {{1, 0}});
        assertThatThrownBy(() -> ConllReader.tagIds(r, List.of("B-PER", "O"), "d.tsv", "the model"))
                .isInstanceOf(DataFormatException.class)
                .hasMessage("d.tsv:5: tag 'B-XYZ' is not one of the tags of the model (B-PER, O)");
    }

    private void expect(String content, String message) throws IOException {
        Path f = write(content);
        assertThatThrownBy(() -> ConllReader.read(f)).isInstanceOf(DataFormatException.class).hasMessageStartingWith(f + message);
    }
}
