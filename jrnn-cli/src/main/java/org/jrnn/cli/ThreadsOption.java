package org.jrnn.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code --threads N} for train, evaluate and bench: one default (the available processors), checked >= 1 while parsing. */
final class ThreadsOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    private int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--threads", paramLabel = "N", description = "Threads (default: the available processors).")
    void set(int n) {
        if (n < 1) throw new ParameterException(command.commandLine(), "--threads must be >= 1, received: " + n);
        threads = n;
    }

    int get() {
        return threads;
    }
}
