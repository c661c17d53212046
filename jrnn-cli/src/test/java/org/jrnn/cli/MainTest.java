// Main registers only the subcommand a run names (startup time, BENCHMARKS.md "Startup"): every
// command must still be reachable, help must still list them all, and unknown names must still be
// refused as before.
package org.jrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class MainTest {

    @Test
    void theSubcommandTableNamesEachCommandAsItsAnnotationDoes() {
        for (Map.Entry<String, Class<?>> e : Main.SUBCOMMANDS.entrySet()) {
            assertThat(e.getValue().getAnnotation(Command.class).name()).isEqualTo(e.getKey());
        }
        assertThat(Main.SUBCOMMANDS.keySet()).containsExactly("train", "evaluate", "predict", "generate", "serve", "bench", "vocab", "presets", "download", "import", "export", "help");
    }

    @Test
    void everySubcommandAnswersItsOwnHelp() {
        for (String name : Main.SUBCOMMANDS.keySet()) {
            if (name.equals("help")) continue;
            CliTest.Run r = CliTest.run(name, "--help");
            assertThat(r.code()).as(name + ": " + r.err()).isZero();
            assertThat(r.out()).as(name).startsWith("Usage: jrnn " + name);
        }
    }

    @Test
    void rootHelpAndTheHelpCommandListEverySubcommand() {
        for (String[] args : new String[][] {{"--help"}, {}, {"help"}}) {
            CliTest.Run r = CliTest.run(args);
            assertThat(r.code()).as(r.err()).isZero();
            for (String name : Main.SUBCOMMANDS.keySet()) assertThat(r.out()).as(String.join(" ", args)).contains("  " + name + " ");
        }
        CliTest.Run r = CliTest.run("help", "predict");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("Usage: jrnn predict");
        assertThat(CliTest.run("--version").out()).startsWith("jrnn ");
    }

    @Test
    void anUnknownSubcommandIsRefusedAsBefore() {
        CliTest.Run r = CliTest.run("predcit", "--model", "m.jrnn", "x");
        assertThat(r.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("Unmatched arguments from index 0: 'predcit'");
        assertThat(new CommandLine(new Main()).getSubcommands()).isEmpty(); // registered per run, in execute
    }
}
