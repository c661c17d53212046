package org.jrnn.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code jrnn} command line. Subcommands turn options into a config record and call one
 * library method; {@link ErrorReporter} maps failures to exit codes: 2 for bad input (one line),
 * 1 for jrnn's bugs and the machine's failures (one line naming where the stack trace went).
 */
@Command(name = "jrnn", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Recurrent neural network text classifiers in pure Java.")
public final class Main implements Runnable {
    public static final int EXIT_BAD_INPUT = ErrorReporter.EXIT_BAD_INPUT;

    /**
     * The subcommands by name, in help order. A run registers only the one it names: picocli
     * builds a model of every registered command by reflection (and instantiates it), a fifth
     * of a one-shot predict's time with all of them (BENCHMARKS.md "Startup"); help, --version
     * and unknown names get them all.
     */
    static final Map<String, Class<?>> SUBCOMMANDS = subcommands("train", TrainCommand.class, "evaluate", EvaluateCommand.class,
            "predict", PredictCommand.class, "generate", GenerateCommand.class, "serve", ServeCommand.class, "bench", BenchCommand.class, "vocab", VocabCommand.class,
            "presets", PresetsCommand.class, "download", DownloadCommand.class, "import", ImportCommand.class, "export", ExportCommand.class,
            "help", CommandLine.HelpCommand.class);

    /** Names written out, not read from the annotations: reading them costs what this saves (MainTest checks they agree). */
    private static Map<String, Class<?>> subcommands(Object... nameThenClass) {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        for (int i = 0; i < nameThenClass.length; i += 2) m.put((String) nameThenClass[i], (Class<?>) nameThenClass[i + 1]);
        return Collections.unmodifiableMap(m);
    }

    /** {@code --version}: the version from pom.xml (org.jrnn.Version), never a copy. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"jrnn " + org.jrnn.Version.get()};
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Declared once, here; every subcommand accepts it too (scope INHERIT). */
    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "On errors, print the stack trace (without it, an internal error's trace goes to a file in the temp folder).")
    boolean verbose;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        // Text out is UTF-8 whatever the locale: Java 17 would encode in the locale's charset, so under
        // LC_ALL=C "é" would print as "?". (Standard input is decoded as UTF-8 where predict reads it;
        // the ./jrnn launcher makes the JVM decode arguments as UTF-8.)
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        System.exit(execute(args, new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8)));
    }

    /** Runs the CLI in-process (tests use this) and returns the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, System.in, out, err);
    }

    /** As {@link #execute(String[], PrintWriter, PrintWriter)}, with {@code in} as standard input ({@code predict} reads it). */
    public static int execute(String[] args, InputStream in, PrintWriter out, PrintWriter err) {
        ErrorReporter reporter = ErrorReporter.inTempDir(Arrays.asList(args));
        CommandLine cl = commandLine(args, in, out, err, reporter);
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError | StackOverflowError e) { // picocli hands only Exceptions to the handler
            return reporter.report(e, err, Arrays.asList(args).contains("--verbose"));
        }
    }

    /**
     * The command tree for {@code args} (only the subcommand they name, see {@link #SUBCOMMANDS}) with
     * its output streams and handlers; tests add commands to it.
     */
    static CommandLine commandLine(String[] args, InputStream in, PrintWriter out, PrintWriter err, ErrorReporter reporter) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine cl = new CommandLine(new Main(), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                return cls == PredictCommand.class ? cls.cast(new PredictCommand(in)) : defaults.create(cls);
            }
        });
        Class<?> named = args.length > 0 ? SUBCOMMANDS.get(args[0]) : null;
        for (Class<?> c : SUBCOMMANDS.values()) {
            if (named == null || named == CommandLine.HelpCommand.class || c == named) cl.addSubcommand(c);
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> reporter.report(ex, err, verbose(parsed)));
        cl.setParameterExceptionHandler((ex, unmatched) -> {
            ex.getCommandLine().getErr().println("jrnn: error: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try 'jrnn " + ex.getCommandLine().getCommandName() + " --help' for usage.");
            return EXIT_BAD_INPUT;
        });
        return cl;
    }

    /** --verbose anywhere on the command line (before or after the subcommand's name). */
    static boolean verbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }
}
