// DataFiles: AG News files keep the AgNewsCsv fast path and AG News' class names; anything else, or any
// column option, goes to TabularReader with the labels as written.
package org.jrnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataFilesTest {

    @TempDir
    Path dir;

    static final String AG = "\"3\",\"Wall St.\",\"Bears\"\n\"1\",\"Talks\",\"Geneva\"\n\"4\",\"Chip\",\"Fast\"\n";

    Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content);
        return f;
    }

    @Test
    void agNewsFilesKeepTheFastPathAndClassNames() throws IOException {
        Path f = write("train.csv", AG);
        Dataset d = DataFiles.read(f, ColumnSpec.DEFAULT);
        assertThat(d.classNames()).isEqualTo(AgNewsCsv.CLASS_NAMES);
        assertThat(d.examples()).isEqualTo(AgNewsCsv.read(f));
        assertThat(d.format()).isEqualTo("AG News CSV");
        // the embedded 3-class test model (World, Sports, Business) still reads AG News files as AG News
        assertThat(DataFiles.read(f, ColumnSpec.DEFAULT, List.of("World", "Sports", "Business"), "the model").format()).isEqualTo("AG News CSV");
    }

    @Test
    void aColumnOptionReadsTheSameFileAsATableWithIntegerClassNames() throws IOException {
        Dataset d = DataFiles.read(write("train.csv", AG), ColumnSpec.of(null, null, List.of(), "0", true));
        assertThat(d.classNames()).containsExactly("1", "3", "4");
        assertThat(d.examples().get(0)).isEqualTo(new Example(1, "Wall St.", "Bears"));
    }

    @Test
    void otherLayoutsAreTables() throws IOException {
        assertThat(DataFiles.read(write("zero.csv", "0,a,b\n1,c,d\n"), ColumnSpec.DEFAULT).classNames()).containsExactly("0", "1");
        assertThat(DataFiles.read(write("two.csv", "1,a\n2,c\n"), ColumnSpec.DEFAULT).classNames()).containsExactly("1", "2");
        assertThat(DataFiles.read(write("ag.tsv", "1\ta\tb\n2\tc\td\n"), ColumnSpec.DEFAULT).classNames()).containsExactly("1", "2");
    }

    @Test
    void agNewsErrorsAreUnchanged() throws IOException {
        Path f = write("bad.csv", "\"1\",\"a\",\"b\"\n\"5\",\"a\",\"b\"\n");
        assertThatThrownBy(() -> DataFiles.read(f, ColumnSpec.DEFAULT)).hasMessage(f + ":2: class 5 is out of range 1..4");
        Path missing = dir.resolve("missing.csv");
        assertThatThrownBy(() -> DataFiles.read(missing, ColumnSpec.DEFAULT)).hasMessage(missing + ": file not found");
    }

    @Test
    void anAgNewsLookingFileForAModelWithOtherClassesIsReadAsATable() throws IOException {
        Path f = write("test.csv", AG);
        assertThatThrownBy(() -> DataFiles.read(f, ColumnSpec.DEFAULT, List.of("neg", "pos"), "the model"))
                .isInstanceOf(DataFormatException.class)
                .hasMessageStartingWith(f + ":1: label '3' is not one of the classes of the model (neg, pos)");
    }
}
