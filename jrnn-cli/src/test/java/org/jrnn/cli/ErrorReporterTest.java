package org.jrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.jrnn.nn.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Exit codes and the one error line: 2 for the user-input family, 1 for everything else, whose stack
 * trace goes to standard error with --verbose or to a file the line names. Failures are injected by a
 * command that exists only in this test, added to the real command tree.
 */
class ErrorReporterTest {
    @TempDir
    Path traces;

    /** Throws what its argument names. */
    @Command(name = "fail")
    static final class Fail implements Callable<Integer> {
        @Parameters(index = "0")
        String kind;

        @Override
        public Integer call() throws Exception {
            switch (kind) {
                case "state" -> throw new IllegalStateException("invariant broken");
                case "matrix" -> new Matrix(new float[5], 2, 3, null); // a jrnn invariant: a bug, not bad input
                case "disk" -> throw new IOException("No space left on device");
                case "checkpoint" -> throw new UncheckedIOException("runs/ck: cannot write checkpoint: No space left on device",
                        new IOException("No space left on device"));
                case "user" -> throw new org.jrnn.errors.UserInputException("data.csv:3: expected 3 fields");
                default -> { }
            }
            return 0;
        }
    }

    CliTest.Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        PrintWriter e = new PrintWriter(err, true);
        CommandLine cl = Main.commandLine(args, new ByteArrayInputStream(new byte[0]), new PrintWriter(out, true), e,
                new ErrorReporter(traces, List.of(args)));
        cl.addSubcommand(new Fail());
        int code = cl.execute(args);
        return new CliTest.Run(code, out.toString(), err.toString());
    }

    List<Path> traceFiles() throws IOException {
        try (Stream<Path> s = Files.list(traces)) {
            return s.toList();
        }
    }

    @Test
    void anInternalErrorExitsOneWithOneLineNamingTheTraceFile() throws Exception {
        CliTest.Run r = run("fail", "state");
        assertThat(r.code()).isEqualTo(1);
        String err = r.err().strip();
        assertThat(err.lines()).hasSize(1);
        assertThat(err).startsWith("jrnn: internal error (a bug in jrnn, please report it): IllegalStateException: invariant broken; stack trace in ")
                .doesNotContain("\tat ");
        Path file = traceFiles().get(0);
        assertThat(traceFiles()).hasSize(1);
        assertThat(file.getFileName().toString()).startsWith("jrnn-error-").endsWith(".log");
        assertThat(err).endsWith(file.toString());
        String trace = Files.readString(file);
        assertThat(trace).contains("command: jrnn fail state", "java.lang.IllegalStateException: invariant broken",
                "\tat org.jrnn.cli.ErrorReporterTest$Fail.call");
    }

    @Test
    void anIllegalArgumentFromInsideJrnnIsABugNotBadInput() throws Exception {
        CliTest.Run r = run("fail", "matrix");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("internal error").contains("IllegalArgumentException: matrix data has 5 values").doesNotContain("jrnn: error:");
        assertThat(traceFiles()).hasSize(1);
    }

    @Test
    void verbosePrintsTheTraceInsteadOfWritingAFileBeforeOrAfterTheCommand() throws Exception {
        for (String[] args : List.of(new String[] {"--verbose", "fail", "state"}, new String[] {"fail", "state", "--verbose"})) {
            CliTest.Run r = run(args);
            assertThat(r.code()).isEqualTo(1);
            assertThat(r.err()).contains("java.lang.IllegalStateException: invariant broken", "\tat org.jrnn.cli.ErrorReporterTest$Fail.call")
                    .endsWith("jrnn: internal error (a bug in jrnn, please report it): IllegalStateException: invariant broken; stack trace above"
                            + System.lineSeparator());
        }
        assertThat(traceFiles()).isEmpty();
    }

    @Test
    void aFullDiskIsAnIoErrorNotABug() throws Exception {
        CliTest.Run r = run("fail", "disk");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().strip()).startsWith("jrnn: I/O error: disk full: No space left on device; stack trace in ").hasLineCount(1);
        CliTest.Run wrapped = run("fail", "checkpoint");
        assertThat(wrapped.code()).isEqualTo(1);
        assertThat(wrapped.err()).startsWith("jrnn: I/O error: disk full: runs/ck: cannot write checkpoint: No space left on device; stack trace in ");
    }

    @Test
    void userInputExitsTwoWithOneLineAndNoTraceFile() throws Exception {
        CliTest.Run r = run("fail", "user");
        CliTest.assertOneLineError(r, "data.csv:3", "expected 3 fields");
        assertThat(r.err().strip()).isEqualTo("jrnn: error: data.csv:3: expected 3 fields");
        assertThat(traceFiles()).isEmpty();
        CliTest.Run verbose = run("fail", "user", "--verbose");
        assertThat(verbose.code()).isEqualTo(2);
        assertThat(verbose.err()).contains("\tat ").endsWith("jrnn: error: data.csv:3: expected 3 fields" + System.lineSeparator());
    }

    @Test
    void whenTheTraceCannotBeSavedTheLineSaysSo() throws Exception {
        Path notADir = Files.writeString(traces.resolve("file"), "x");
        StringWriter err = new StringWriter();
        int code = new ErrorReporter(notADir, List.of()).report(new IllegalStateException("x"), new PrintWriter(err, true), false);
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().strip()).hasLineCount(1).contains("internal error").contains("could not be saved")
                .endsWith("run again with --verbose to see it");
    }

    @Test
    void describeNamesTheFileOfAFileSystemError() {
        assertThat(ErrorReporter.describe(new java.nio.file.AccessDeniedException("/out/m.jrnn"))).isEqualTo("I/O error: /out/m.jrnn: permission denied");
        assertThat(ErrorReporter.describe(new OutOfMemoryError("Java heap space"))).startsWith("out of memory (Java heap space)");
        assertThat(ErrorReporter.isBadInput(new IllegalArgumentException("x"))).isFalse();
        assertThat(ErrorReporter.isBadInput(new java.io.UncheckedIOException(new IOException("x")))).isFalse();
        assertThat(ErrorReporter.isBadInput(new org.jrnn.data.DataFormatException("f", "x"))).isTrue();
    }

    @Test
    void optionErrorsNameTheFlagsTheLibraryNamesItsSettings() {
        CliTest.assertOneLineError(CliTest.run("train", "--epochs", "0"), "--epochs must be >= 1, received: 0", "");
        CliTest.assertOneLineError(CliTest.run("train", "--lr", "0"), "--lr must be > 0", "");
        CliTest.assertOneLineError(CliTest.run("train", "--resume"), "--resume needs --checkpoint-dir", "");
        CliTest.assertOneLineError(CliTest.run("train", "--vocab-size", "2"), "--vocab-size must be >= 3", "");
        CliTest.assertOneLineError(CliTest.run("vocab", "--adapt-rows", "-1", "--out", traces.resolve("v.txt").toString()),
                "--adapt-rows must be >= 0", "");
        CliTest.Run t = CliTest.run("evaluate", "--model", "m.jrnn", "--threads", "0");
        assertThat(t.code()).isEqualTo(2);
        assertThat(t.err()).startsWith("jrnn: error: --threads must be >= 1, received: 0").doesNotContain("\tat ");
    }

    @Test
    void everyFlagOfTheTableIsAnOptionOfSomeCommand() {
        CommandLine cl = Main.commandLine(new String[0], new ByteArrayInputStream(new byte[0]), new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()), new ErrorReporter(traces, List.of()));
        List<String> names = new ArrayList<>();
        for (CommandLine sub : cl.getSubcommands().values()) {
            for (CommandLine.Model.OptionSpec o : sub.getCommandSpec().options()) names.addAll(List.of(o.names()));
        }
        for (String flags : Flags.OF_SETTING.values()) {
            for (String flag : flags.split(",? (and )?")) {
                String f = flag.equals("--no-header") ? "--header" : flag; // negatable: picocli lists --header
                assertThat(names).as(flags).contains(f);
            }
        }
    }
}
