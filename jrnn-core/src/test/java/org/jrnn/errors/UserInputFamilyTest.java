package org.jrnn.errors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jrnn.data.ColumnSpec;
import org.jrnn.data.DataFormatException;
import org.jrnn.data.DownloadException;
import org.jrnn.io.ModelFile;
import org.jrnn.io.ModelFormatException;
import org.jrnn.model.ArchitectureException;
import org.jrnn.model.ModelSpec;
import org.jrnn.nn.Matrix;
import org.jrnn.train.Preset;
import org.jrnn.train.TrainingDivergedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which failures the library reports as the user's to fix (UserInputException, exit code 2 in the CLI)
 * and which stay bugs: the split the CLI's exit codes rely on.
 */
class UserInputFamilyTest {
    @Test
    void everyUserFixableFailureIsInTheFamily() {
        for (Class<?> c : List.of(DataFormatException.class, ModelFormatException.class, ArchitectureException.class,
                DownloadException.class, TrainingDivergedException.class, InvalidOptionException.class)) {
            assertThat(UserInputException.class).as(c.getSimpleName()).isAssignableFrom(c);
            assertThat(IllegalArgumentException.class.isAssignableFrom(c)).as(c.getSimpleName() + " must not pass for an argument bug")
                    .isFalse();
        }
    }

    @Test
    void whatTheUserTypedOrNamedIsUserInput(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> Preset.get("transformer")).isInstanceOf(InvalidOptionException.class)
                .hasMessageStartingWith("unknown preset 'transformer', expected one of");
        assertThatThrownBy(() -> ModelSpec.read(dir.resolve("m.json"))).isInstanceOf(ArchitectureException.class)
                .hasMessage(dir.resolve("m.json") + ": file not found");
        assertThatThrownBy(() -> ModelSpec.read(dir)).isInstanceOf(ArchitectureException.class).hasMessageContaining("is a directory");
        assertThatThrownBy(() -> ModelFile.load(dir.resolve("none.jrnn"))).isInstanceOf(ModelFormatException.class)
                .hasMessageEndingWith(": file not found");
        assertThatThrownBy(() -> ColumnSpec.of("ab", null, List.of(), null, true)).isInstanceOf(InvalidOptionException.class);
        Path locked = Files.writeString(dir.resolve("locked.json"), "{}");
        if (locked.toFile().setReadable(false) && !Files.isReadable(locked)) { // not as root
            assertThatThrownBy(() -> ModelSpec.read(locked)).isInstanceOf(ArchitectureException.class)
                    .hasMessage(locked + ": permission denied");
        }
    }

    @Test
    void internalInvariantsStayBugs() {
        assertThatThrownBy(() -> new Matrix(new float[5], 2, 3, null)).isInstanceOf(IllegalArgumentException.class)
                .isNotInstanceOf(UserInputException.class);
    }
}
