// Crafted Keras files: each is refused with one line naming the file, and without allocating what it
// declares (the per-thread allocation counter, as the model-file tests measure it).
package org.jrnn.interop.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.jrnn.io.TestModels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class KerasHostileFileTest {
    static final Path VOCAB = KerasFixtures.dir().resolve("vocab.txt");
    static final Path VALID = KerasFixtures.dir().resolve("lstm.keras");

    record Crafted(String name, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The crafted_*.keras files the fixture script writes, with the phrase each refusal must contain. */
    static Stream<Crafted> crafted() throws IOException {
        var node = KerasFixtures.JSON.readTree(KerasFixtures.dir().resolve("fixtures.json").toFile()).get("crafted");
        List<Crafted> out = new ArrayList<>();
        node.fields().forEachRemaining(e -> out.add(new Crafted(e.getKey(), e.getValue().asText())));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("crafted")
    void craftedHdf5IsRefusedInOneLineWithBoundedAllocation(Crafted c) {
        assertRefusedCheaply(KerasFixtures.dir().resolve("crafted_" + c.name() + ".keras"), c.expected());
    }

    /** Refused with {@code expected} in one line, having allocated under 8 MiB (the valid file costs about 0.5). */
    static void assertRefusedCheaply(Path f, String expected) {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "no per-thread allocation counter");
        catchThrowable(() -> KerasImport.read(KerasFixtures.dir().resolve("crafted_wrong_shape.keras"), VOCAB, null)); // classes loaded
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        Throwable refusal = catchThrowable(() -> KerasImport.read(f, VOCAB, null));
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertThat(refusal).isInstanceOf(KerasFormatException.class).hasMessageStartingWith(f + ": ").hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThat(allocated).as("bytes allocated to refuse %s", f).isLessThan(8L << 20);
    }

    @Test
    void theValidOriginalImports() throws IOException {
        assertThat(KerasImport.read(VALID, null, null).rows()).hasSize(3);
    }

    @Test
    void aZipBombIsRefusedWithoutInflatingIt(@TempDir Path dir) throws IOException {
        Path f = rewrite(VALID, dir.resolve("bomb.keras"), true, 0);
        assertRefusedCheaply(f, "model.weights.h5 declares");
    }

    @Test
    void aHugeDeclaredSizeIsRefusedBeforeReading(@TempDir Path dir) throws IOException {
        Path f = rewrite(VALID, dir.resolve("huge.keras"), false, 3L << 30);
        assertRefusedCheaply(f, "model.weights.h5 declares 3221225472 bytes uncompressed, over the limit of 1073741824");
    }

    @Test
    void truncatedAndGarbageFilesAreRefused(@TempDir Path dir) throws IOException {
        byte[] h5 = Files.readAllBytes(KerasFixtures.dir().resolve("lstm.h5"));
        Path cut = Files.write(dir.resolve("cut.h5"), Arrays.copyOf(h5, h5.length / 3));
        Throwable t = catchThrowable(() -> KerasImport.read(cut, VOCAB, null));
        assertThat(t).isInstanceOf(KerasFormatException.class).hasMessageStartingWith(cut + ": ");
        assertThat(t.getMessage()).doesNotContain("\n");
        Path junk = Files.write(dir.resolve("junk.keras"), "not a model at all".getBytes());
        assertThat(catchThrowable(() -> KerasImport.read(junk, VOCAB, null))).isInstanceOf(KerasFormatException.class)
                .hasMessageContaining("neither a Keras 3 .keras file (zip) nor a Keras 2 .h5 file (HDF5)");
        byte[] zip = Files.readAllBytes(VALID);
        Path cutZip = Files.write(dir.resolve("cut.keras"), Arrays.copyOf(zip, zip.length / 2));
        assertThat(catchThrowable(() -> KerasImport.read(cutZip, VOCAB, null))).isInstanceOf(KerasFormatException.class)
                .hasMessageContaining("not a valid zip archive");
    }

    /**
     * {@code valid} rewritten byte by byte: the weights entry either deflated zeros of {@link TestModels#BOMB_MIB}
     * MiB declaring the real size ({@code bomb}), or stored with a central-directory size of {@code declared}.
     */
    static Path rewrite(Path valid, Path out, boolean bomb, long declared) throws IOException {
        List<TestModels.RawEntry> entries = new ArrayList<>();
        try (ZipFile z = new ZipFile(valid.toFile())) {
            for (ZipEntry e : java.util.Collections.list(z.entries())) {
                byte[] data = z.getInputStream(e).readAllBytes();
                CRC32 crc = new CRC32();
                crc.update(data);
                if (e.getName().equals(KerasFile.WEIGHTS) && bomb) {
                    byte[] zeros = TestModels.deflatedZeros(TestModels.BOMB_MIB);
                    entries.add(new TestModels.RawEntry(e.getName(), ZipEntry.DEFLATED, crc.getValue(), zeros.length, data.length, data.length, zeros));
                } else if (e.getName().equals(KerasFile.WEIGHTS)) {
                    entries.add(new TestModels.RawEntry(e.getName(), ZipEntry.STORED, crc.getValue(), data.length, data.length, declared, data));
                } else {
                    entries.add(new TestModels.RawEntry(e.getName(), ZipEntry.STORED, crc.getValue(), data.length, data.length, data.length, data));
                }
            }
        }
        return Files.write(out, TestModels.rawZip(entries));
    }
}
