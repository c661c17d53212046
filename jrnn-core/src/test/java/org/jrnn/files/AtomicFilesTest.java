package org.jrnn.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.jrnn.testing.FailingDisk;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 31 + 7);
        return b;
    }

    @Test
    void writesReplacesAndLeavesOnlyTheTarget(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("sub/deeper/out.json");
        AtomicFiles.writeString(f, "{\"a\": 1}\n");
        assertThat(Files.readString(f)).isEqualTo("{\"a\": 1}\n");
        AtomicFiles.write(f, bytes(300_000)); // more than the stream buffer
        assertThat(Files.readAllBytes(f)).isEqualTo(bytes(300_000));
        assertThat(names(f.getParent())).containsExactly("out.json");
    }

    @Test
    void moveDurablyReplacesTheTargetAndRemovesTheSource(@TempDir Path dir) throws IOException {
        Path part = dir.resolve("data.csv.part");
        Path target = dir.resolve("data.csv");
        Files.writeString(target, "old");
        Files.writeString(part, "new bytes");
        AtomicFiles.moveDurably(part, target);
        assertThat(target).hasContent("new bytes");
        assertThat(part).doesNotExist();
        assertThatThrownBy(() -> AtomicFiles.moveDurably(part, target)).isInstanceOf(java.nio.file.NoSuchFileException.class);
        assertThat(target).hasContent("new bytes"); // a missing source leaves the target alone
    }

    @Test
    void keepsThePermissionsOfTheFileItReplaces(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("m.jrnn");
        AtomicFiles.writeString(f, "one");
        if (!Files.getFileStore(f).supportsFileAttributeView("posix")) return;
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r--r--");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw----"));
        AtomicFiles.writeString(f, "two");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-rw----");
    }

    @Test
    void eachWriteHasItsOwnTempFile(@TempDir Path dir) throws IOException {
        // A write of the same target started while another is under way (another thread, another process)
        // gets its own temp file, so neither truncates nor renames the other's half-written bytes.
        Path f = dir.resolve("checkpoint.bin");
        List<Path> seen = new ArrayList<>();
        AtomicFiles.write(f, outer -> {
            outer.write(bytes(10));
            AtomicFiles.write(f, inner -> {
                seen.addAll(AtomicFiles.leftovers(f));
                inner.write(bytes(20));
            });
            outer.write(bytes(5));
        });
        assertThat(seen).hasSize(2).doesNotHaveDuplicates()
                .allSatisfy(p -> assertThat(p.getFileName().toString()).startsWith(".checkpoint.bin.").endsWith(".tmp"));
        assertThat(Files.size(f)).isEqualTo(15); // the outer write renamed last
        assertThat(names(dir)).containsExactly("checkpoint.bin");
    }

    @Test
    void aFullDiskLeavesThePreviousFileAndNoTempFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("model.jrnn");
        AtomicFiles.write(f, bytes(1000));
        // Fails half-way through a stream larger than the buffer, and at the final flush of a small one.
        for (int[] sizes : new int[][] {{300_000, 200_000}, {500, 100}}) {
            assertThatThrownBy(() -> AtomicFiles.write(f, out -> out.write(bytes(sizes[0])), FailingDisk.fullAfter(sizes[1])))
                    .isExactlyInstanceOf(IOException.class)
                    .hasMessage("writing " + f + ": " + FailingDisk.ENOSPC)
                    .cause().hasMessage(FailingDisk.ENOSPC);
            assertThat(Files.readAllBytes(f)).isEqualTo(bytes(1000));
            assertThat(names(dir)).containsExactly("model.jrnn");
        }
    }

    @Test
    void anInstalledWrapperSeesEveryWriteUntilRemoved(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("vocab.txt");
        List<Path> targets = new ArrayList<>();
        AtomicFiles.installStreamWrapper((target, out) -> {
            targets.add(target);
            return FailingDisk.fullAfter(3).wrap(target, out);
        });
        try {
            assertThatThrownBy(() -> AtomicFiles.writeString(f, "\n[UNK]\n")).hasMessageContaining(FailingDisk.ENOSPC);
        } finally {
            AtomicFiles.installStreamWrapper(null);
        }
        assertThat(targets).containsExactly(f);
        assertThat(names(dir)).isEmpty(); // no target was there before, and no temp file stays
        AtomicFiles.writeString(f, "\n[UNK]\n");
        assertThat(targets).hasSize(1);
        assertThat(Files.readString(f)).isEqualTo("\n[UNK]\n");
    }

    @Test
    void contentThatThrowsLeavesThePreviousFileAndNoTempFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("metrics.json");
        AtomicFiles.writeString(f, "old");
        assertThatThrownBy(() -> AtomicFiles.write(f, out -> {
            out.write(bytes(100_000));
            throw new UncheckedIOException(new IOException("source went away"));
        })).isInstanceOf(UncheckedIOException.class).hasMessageContaining("source went away");
        assertThat(Files.readString(f)).isEqualTo("old");
        assertThat(names(dir)).containsExactly("metrics.json");
    }

    @Test
    void aFileSystemErrorKeepsItsTypeAndFile(@TempDir Path dir) throws IOException {
        Path notADir = dir.resolve("plain");
        Files.writeString(notADir, "x");
        Path f = notADir.resolve("out.png");
        assertThatThrownBy(() -> AtomicFiles.write(f, new byte[1]))
                .isInstanceOf(FileSystemException.class)
                .satisfies(e -> assertThat(((FileSystemException) e).getFile()).contains("plain"));
        assertThat(names(dir)).containsExactly("plain");
    }

    @Test
    void leftoversFindsTheTempFilesOfAKilledWriteOnly(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("checkpoint.bin");
        assertThat(AtomicFiles.leftovers(dir.resolve("missing/checkpoint.bin"))).isEmpty();
        Files.write(dir.resolve(".checkpoint.bin.123456.tmp"), bytes(10));
        Files.write(dir.resolve(".other.bin.1.tmp"), bytes(10));
        Files.write(dir.resolve("checkpoint.bin.tmp"), bytes(10));
        assertThat(AtomicFiles.leftovers(f)).containsExactly(dir.resolve(".checkpoint.bin.123456.tmp"));
        AtomicFiles.write(f, bytes(3)); // a leftover does not disturb a later write
        assertThat(Files.readAllBytes(f)).isEqualTo(Arrays.copyOf(bytes(3), 3));
    }

    @Test
    void syncingAFolderTheOsRefusesIsNotAnError(@TempDir Path dir) {
        AtomicFiles.syncDirectory(dir.resolve("does-not-exist")); // opening fails: ignored, as on Windows
        AtomicFiles.syncDirectory(dir);
    }
}
