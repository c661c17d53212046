package org.jrnn.cli;

// The CLI in a child JVM, for what only a real process shows: a small heap (a zip bomb must not reach
// OutOfMemoryError) and the locale (text in and out must be UTF-8 under LC_ALL=C too). The child runs
// org.jrnn.cli.Main from this JVM's class path, so no jar is needed (mvn verify tests before it shades).

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jrnn.io.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProcessTest {
    record Result(int code, byte[] out, String err) {
        String outText() {
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    static final String CLASS_PATH = System.getProperty("java.class.path");

    /** Runs {@code command} with extra environment variables and {@code stdin}; output goes through files (no pipe deadlock). */
    static Result run(List<String> command, Map<String, String> env, byte[] stdin, Path dir) throws IOException, InterruptedException {
        Path in = Files.write(Files.createTempFile(dir, "stdin", ""), stdin);
        Path out = Files.createTempFile(dir, "stdout", "");
        Path err = Files.createTempFile(dir, "stderr", "");
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(p.exitValue(), Files.readAllBytes(out), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** {@code java [jvmArgs] -cp <this class path> org.jrnn.cli.Main [args]}. */
    static List<String> jrnn(List<String> jvmArgs, String... args) {
        List<String> c = new ArrayList<>();
        c.add(JAVA);
        c.addAll(jvmArgs);
        c.addAll(List.of("-cp", CLASS_PATH, "org.jrnn.cli.Main"));
        c.addAll(List.of(args));
        return c;
    }

    static Stream<TestModels.Hostile> bombs() {
        return TestModels.hostile().stream().filter(h -> h.name().startsWith("zip bomb"));
    }

    /** Before the fix: OutOfMemoryError, its stack trace and exit code 1 (the loader read up to its 1 GiB cap). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("bombs")
    void aZipBombIsRefusedInOneLineUnderA96MiBHeap(TestModels.Hostile bomb, @TempDir Path dir) throws Exception {
        Path f = bomb.make(dir);
        Result r = run(jrnn(List.of("-Xmx96m"), "predict", "--model", f.toString(), "x"), Map.of(), new byte[0], dir);
        assertThat(r.err()).doesNotContain("OutOfMemoryError").doesNotContain("\tat ").doesNotContain("Exception in thread");
        assertThat(r.code()).as(r.err()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err().strip()).doesNotContain("\n").contains(f + ": ").contains(bomb.expected());
        assertThat(r.out()).isEmpty();
    }

    static final String TEXT = "Café crème brûlée";

    /**
     * Under LC_ALL=C, Java 17 writes System.out in ASCII ("Caf? cr?me"); Main must write UTF-8 itself,
     * without the launcher's -D flags. Standard input is read as UTF-8 in both locales.
     */
    @Test
    void mainWritesUtf8WhateverTheLocale(@TempDir Path dir) throws Exception {
        Path model = TestModels.saveTiny(dir);
        byte[] stdin = ("the team wins\n" + TEXT + "\n東京 🚀\r\n").getBytes(StandardCharsets.UTF_8);
        Result c = run(jrnn(List.of(), "predict", "--model", model.toString()), Map.of("LC_ALL", "C"), stdin, dir);
        Result utf8 = run(jrnn(List.of(), "predict", "--model", model.toString()), Map.of("LC_ALL", "C.UTF-8"), stdin, dir);
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(utf8.code()).as(utf8.err()).isZero();
        List<String> lines = utf8.outText().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(new ObjectMapper().readTree(lines.get(1)).get("text").asText()).isEqualTo(TEXT);
        assertThat(new ObjectMapper().readTree(lines.get(2)).get("text").asText()).isEqualTo("東京 🚀");
        assertThat(c.outText()).isEqualTo(utf8.outText());
        assertThat(c.out()).isEqualTo(utf8.out());
    }
}
