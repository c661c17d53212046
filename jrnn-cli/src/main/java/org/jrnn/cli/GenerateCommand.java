package org.jrnn.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jrnn.serve.Generator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Generate text with a language model ('jrnn train --task lm --out FILE.jrnn').",
                "One sample is streamed token by token after the prompt; --num N samples are generated as one batch",
                "and printed one per line. A char model refuses prompt characters outside its vocabulary; a word model",
                "reads unknown words as [UNK]."})
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE.jrnn", description = "A language model file.")
    Path model;

    @Option(names = "--prompt", defaultValue = "", description = "Text to continue (default: empty, a text from its start).")
    String prompt;

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "200", description = "Tokens per sample at most (default ${DEFAULT-VALUE}; a sample also ends at the model's end-of-text).")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0", description = "Sampling temperature (default ${DEFAULT-VALUE}; 0 = greedy, deterministic).")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Sample among the K most likely tokens (default 0 = all).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0", description = "Nucleus sampling: the most likely tokens up to probability P (default 1 = all).")
    double topP;

    @Option(names = "--seed", description = "Seed of the draws: the same seed gives the same text (default: a new one each run).")
    Long seed;

    @Option(names = "--num", paramLabel = "N", defaultValue = "1", description = "Samples, generated together as one batch (default ${DEFAULT-VALUE}).")
    int num;

    @Option(names = "--timing", paramLabel = "R",
            description = "Measure instead of print: generate R times (seeds --seed, --seed + 1, ...) and report tokens/s on standard error.")
    int timing;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (timing > 0) return time(spec.commandLine().getErr());
        Generator.Options o = new Generator.Options(maxTokens, temperature, topK, topP,
                seed != null ? seed : new java.security.SecureRandom().nextLong(), num);
        Generator g = Generator.load(model);
        if (num == 1) {
            Generator.Generation s = g.start(prompt, o);
            out.print(prompt);
            out.flush();
            for (String t; (t = s.next()) != null; ) {
                out.print(t);
                out.flush(); // one token at a time, as it is produced
            }
            out.println();
        } else {
            List<String> all = g.generateAll(prompt, o);
            for (String s : all) out.println(prompt + s);
        }
        out.flush();
        return 0;
    }

    /** Tokens produced per second of generation (model loading excluded), over {@code timing} runs. */
    private Integer time(PrintWriter err) throws Exception {
        Generator g = Generator.load(model);
        long base = seed != null ? seed : 0;
        long tokens = 0;
        long t0 = System.nanoTime();
        for (int r = 0; r < timing; r++) {
            Generator.Generation s = g.start(prompt, new Generator.Options(maxTokens, temperature, topK, topP, base + r, num));
            for (String[] t; (t = s.nextAll()) != null; ) {
                for (String x : t) if (x != null) tokens++;
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        err.printf(java.util.Locale.ROOT, "generated %d tokens in %.3f s: %.0f tokens/s (%d stream%s, %d runs)%n", tokens, secs,
                tokens / secs, num, num == 1 ? "" : "s", timing);
        err.flush();
        return 0;
    }
}
