package org.jrnn.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.jrnn.train.LmPreset;
import org.jrnn.train.Preset;
import org.jrnn.train.TagTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "presets", mixinStandardHelpOptions = true,
        description = "List the built-in model presets and their architectures: classifiers, taggers (--task tag) and language models (--task lm).")
final class PresetsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print each architecture in the --model JSON format.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("Classifiers (jrnn train --preset NAME):");
        for (Preset p : Preset.all()) {
            out.printf("%-12s %s%s; text: %s; batch %d; %d epoch%s%s%n", p.name(), p.description(),
                    p.name().equals(Preset.DEFAULT) ? " (default)" : "", p.text() == org.jrnn.data.TextField.TITLE ? "title" : "title+description", p.batchSize(),
                    p.epochs(), p.epochs() == 1 ? "" : "s",
                    p.patience() > 0 ? String.format(java.util.Locale.ROOT, ", early stopping (patience %d) on a %.0f %% validation split",
                            p.patience(), 100 * p.valSplit()) : "");
            if (json) out.println(p.model().toJson());
        }
        // Taggers' heads have one unit per tag, known only from the data: the JSON shows them for 9 tags (CoNLL-2003's).
        out.println();
        out.println("Taggers (jrnn train --task tag --preset NAME):");
        for (TagTraining.Preset p : TagTraining.presets()) {
            out.printf("%-12s --task tag: %s%s; batch %d; %d epochs%n", p.name(), p.description(),
                    p.name().equals(TagTraining.DEFAULT_PRESET) ? " (default with --task tag)" : "", p.batchSize(), p.epochs());
            if (json) out.println(p.model().apply(9).toJson());
        }
        // A language model's head, TimeDistributed(Dense(V)), is sized by the vocabulary the data gives: the JSON
        // shows the layers before it, which is also what --task lm --model FILE.json takes (the head is appended).
        out.println();
        out.println("Language models (jrnn train --task lm --preset NAME):");
        for (LmPreset p : LmPreset.all()) {
            out.printf("%-12s --task lm: %s%s; tokens: %s; text: %s; batch %d; %d epoch%s%n", p.name(), p.description(),
                    p.name().equals(LmPreset.DEFAULT) ? " (default with --task lm)" : "", p.tokens().id(),
                    p.text() == org.jrnn.data.TextField.TITLE ? "title" : "title+description", p.batchSize(), p.epochs(),
                    p.epochs() == 1 ? "" : "s");
            if (json) out.println(p.body().toJson());
        }
        out.flush();
        return 0;
    }
}
