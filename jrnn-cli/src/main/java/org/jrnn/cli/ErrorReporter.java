// The CLI's one exception handler. A UserInputException (bad file, option, model, architecture, download)
// is the user's to fix: one line, exit code 2. Everything else is jrnn's bug or the machine's failure (a
// full disk, no memory): one line that says which, exit code 1, and the stack trace goes to standard error
// with --verbose, else to a file in the temp folder that the line names, so a bug report has it.
package org.jrnn.cli;

import java.io.IOError;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.jrnn.errors.UserInputException;

/** Maps a failure to an exit code and one line on standard error. */
final class ErrorReporter {
    static final int EXIT_INTERNAL = 1;
    static final int EXIT_BAD_INPUT = 2;

    /** Messages of the OS for a full disk or quota (Linux, macOS, Windows). */
    private static final List<String> DISK_FULL = List.of("No space left on device", "Disk quota exceeded", "not enough space on the disk");

    private final Path traceDir;
    private final List<String> args;

    /** @param traceDir where stack traces go without --verbose; @param args the command line, recorded with them */
    ErrorReporter(Path traceDir, List<String> args) {
        this.traceDir = traceDir;
        this.args = List.copyOf(args);
    }

    /** Traces go to {@code java.io.tmpdir}, read now (tests may point it elsewhere). */
    static ErrorReporter inTempDir(List<String> args) {
        return new ErrorReporter(Path.of(System.getProperty("java.io.tmpdir")), args);
    }

    /** Only the user-input family is the user's to fix; picocli's parameter errors are handled before this. */
    static boolean isBadInput(Throwable ex) {
        return ex instanceof UserInputException;
    }

    /** Writes the line (and with {@code verbose} the stack trace) to {@code err}; returns the exit code. */
    int report(Throwable ex, PrintWriter err, boolean verbose) {
        if (verbose) ex.printStackTrace(err);
        if (isBadInput(ex)) {
            err.println("jrnn: error: " + Flags.message((UserInputException) ex));
            err.flush();
            return EXIT_BAD_INPUT;
        }
        String trace = verbose ? "stack trace above" : saveTrace(ex);
        err.println("jrnn: " + UserInputException.oneLine(describe(ex)) + "; " + trace);
        err.flush();
        return EXIT_INTERNAL;
    }

    /** What went wrong, for a failure that is not the user's: the machine's (I/O, memory) or jrnn's. */
    static String describe(Throwable ex) {
        IOException io = null;
        if (ex instanceof IOException e) io = e;
        else if ((ex instanceof UncheckedIOException || ex instanceof IOError) && ex.getCause() instanceof IOException e) io = e;
        if (io != null) {
            String what = ex == io ? ioMessage(io) : message(ex); // a wrapper's message adds what jrnn was doing
            return "I/O error: " + (diskFull(ex) ? "disk full: " : "") + what;
        }
        if (ex instanceof OutOfMemoryError) {
            return "out of memory (" + message(ex) + "): give the JVM more heap, e.g. JRNN_JAVA_OPTS=-Xmx8g";
        }
        return "internal error (a bug in jrnn, please report it): " + ex.getClass().getSimpleName()
                + (ex.getMessage() == null ? "" : ": " + ex.getMessage());
    }

    private static String ioMessage(IOException e) {
        if (e instanceof NoSuchFileException n) return n.getFile() + ": no such file or directory";
        if (e instanceof AccessDeniedException a) return a.getFile() + ": permission denied";
        return message(e);
    }

    private static String message(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** True when any message in the cause chain is the OS saying the disk is full. */
    static boolean diskFull(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && DISK_FULL.stream().anyMatch(m::contains)) return true;
        }
        return false;
    }

    /** Writes the stack trace to a new file in traceDir; returns where it went, for the error line. */
    String saveTrace(Throwable ex) {
        StringWriter text = new StringWriter();
        try (PrintWriter w = new PrintWriter(text)) {
            w.println("jrnn " + safely(() -> org.jrnn.Version.get()) + ", Java " + System.getProperty("java.version") + " ("
                    + System.getProperty("java.vm.name") + "), " + System.getProperty("os.name") + " " + System.getProperty("os.arch")
                    + ", kernels " + safely(org.jrnn.kernels.Kernels::describe));
            w.println("command: jrnn " + String.join(" ", args));
            w.println();
            ex.printStackTrace(w);
        }
        try {
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
            Path f = Files.createTempFile(traceDir, "jrnn-error-" + stamp + "-", ".log"); // owner-only permissions
            Files.writeString(f, text.toString());
            return "stack trace in " + f;
        } catch (IOException | RuntimeException e) {
            return "the stack trace could not be saved in " + traceDir + " (" + message(e) + "): run again with --verbose to see it";
        }
    }

    private static String safely(java.util.function.Supplier<String> s) {
        try {
            return s.get();
        } catch (RuntimeException | LinkageError e) {
            return "?";
        }
    }
}
