package org.jrnn.cli;

import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jrnn.data.DataFormatException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code jrnn} command line. Subcommands turn options into a config record and call one
 * library method; this class maps failures to exit codes: 2 for bad input (one line, no stack
 * trace unless --verbose), 1 for internal errors.
 */
@Command(name = "jrnn", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        description = "Recurrent neural network text classifiers in pure Java.")
public final class Main implements Runnable {
    public static final int EXIT_BAD_INPUT = 2;

    /**
     * The subcommands by name, in help order. A run registers only the one it names: picocli
     * builds a model of every registered command by reflection (and instantiates it), a fifth
     * of a one-shot predict's time with all of them (BENCHMARKS.md "Startup"); help, --version
     * and unknown names get them all.
     */
    static final Map<String, Class<?>> SUBCOMMANDS = subcommands("train", TrainCommand.class, "evaluate", EvaluateCommand.class,
            "predict", PredictCommand.class, "bench", BenchCommand.class, "vocab", VocabCommand.class, "presets", PresetsCommand.class,
            "download", DownloadCommand.class, "help", CommandLine.HelpCommand.class);

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

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI in-process (tests use this) and returns the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, System.in, out, err);
    }

    /** As {@link #execute(String[], PrintWriter, PrintWriter)}, with {@code in} as standard input ({@code predict} reads it). */
    public static int execute(String[] args, java.io.InputStream in, PrintWriter out, PrintWriter err) {
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
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean verbose = parsed.hasMatchedOption("--verbose")
                    || (parsed.subcommand() != null && parsed.subcommand().hasMatchedOption("--verbose"));
            if (verbose) ex.printStackTrace(cmd.getErr());
            cmd.getErr().println("jrnn: error: " + describe(ex));
            cmd.getErr().flush();
            return isBadInput(ex) ? EXIT_BAD_INPUT : 1;
        });
        cl.setParameterExceptionHandler((ex, args2) -> {
            ex.getCommandLine().getErr().println("jrnn: error: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try 'jrnn " + ex.getCommandLine().getCommandName() + " --help' for usage.");
            return EXIT_BAD_INPUT;
        });
        return cl.execute(args);
    }

    static boolean isBadInput(Throwable ex) {
        return ex instanceof DataFormatException || ex instanceof IllegalArgumentException
                || ex instanceof java.nio.file.NoSuchFileException || ex instanceof java.io.FileNotFoundException
                || ex instanceof java.nio.file.AccessDeniedException || ex instanceof java.io.UncheckedIOException
                || ex instanceof org.jrnn.train.TrainingDivergedException || ex instanceof org.jrnn.data.DownloadException;
    }

    static String describe(Throwable ex) {
        if (ex instanceof java.nio.file.NoSuchFileException n) return n.getFile() + ": file not found";
        if (ex instanceof java.nio.file.AccessDeniedException a) return a.getFile() + ": permission denied";
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) msg = ex.getClass().getSimpleName() + " (run with --verbose for details)";
        if (!isBadInput(ex)) msg = "internal error: " + msg + " (run with --verbose for the stack trace)";
        return msg.replace('\n', ' ');
    }
}
