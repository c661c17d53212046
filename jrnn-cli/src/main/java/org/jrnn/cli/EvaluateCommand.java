package org.jrnn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jrnn.data.DataFiles;
import org.jrnn.data.EmbeddedData;
import org.jrnn.data.Example;
import org.jrnn.errors.UserInputException;
import org.jrnn.eval.EvaluationReport;
import org.jrnn.eval.Evaluator;
import org.jrnn.plot.Plots;
import org.jrnn.files.AtomicFiles;
import org.jrnn.io.ModelFile;
import org.jrnn.io.SavedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a saved model: loss, accuracy, per-class precision/recall/F1, macro-F1, confusion matrix.",
                "Default data: the embedded AG News sample's test set.",
                "A tagger (train --task tag) is evaluated on a token-per-line --test file: per-token accuracy, per-tag "
                        + "precision/recall/F1 and, for BIO tags, entity precision/recall/F1 (conlleval rules)."})
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE.jrnn", description = "Model file written by 'jrnn train --out'.")
    Path model;

    @Mixin
    DataDirOption data;

    @Option(names = "--test", paramLabel = "FILE", description = "Test CSV or TSV instead of --data; labels must be the model's classes (a tagger: a token-per-line file).")
    Path test;

    @Mixin
    DataFormatOptions format;

    @Option(names = "--json-out", paramLabel = "FILE", description = "Also write the figures as JSON here.")
    Path jsonOut;

    @Option(names = "--plots", paramLabel = "DIR", description = "Write confusion_matrix.png and training_curves.png here.")
    Path plots;

    @Mixin
    ThreadsOption threads;

    @Override
    public Integer call() throws Exception {
        if (data.dir != null && test != null) throw new UserInputException("use either --data DIR or --test FILE, not both");
        PrintWriter out = spec.commandLine().getOut();
        if (ModelFile.isLanguageModel(model)) return evaluateLanguageModel(out);
        SavedModel m = ModelFile.load(model);
        if (m.task() == SavedModel.Task.TAG) return TagCli.evaluate(this, m, out);
        String dataName;
        List<Example> rows;
        if (test != null || data.dir != null) {
            Path f = test != null ? test : org.jrnn.data.AgNewsDownload.resolve(data.dir).resolve("test.csv");
            dataName = f.toString();
            rows = DataFiles.read(f, format.spec(), m.classNames(), "the model").examples();
        } else {
            if (!format.spec().isDefault()) throw new UserInputException("the column options describe a --test or --data file");
            dataName = EmbeddedData.NAME + " test";
            rows = EmbeddedData.test();
        }
        EvaluationReport r = Evaluator.evaluate(m, rows, threads.get());
        out.printf(Locale.ROOT, "jrnn evaluate: %s (%s, %,d params, text: %s) on %s%n", model, describe(m), m.model().paramCount(),
                SavedModel.textFieldName(m.textField()), dataName);
        out.print(r.toTable());
        if (jsonOut != null) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", model.toString());
            j.put("data", dataName);
            j.putAll(r.toMap());
            AtomicFiles.writeString(jsonOut, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(j) + "\n");
        }
        if (plots != null) {
            Path cm = plots.resolve(Plots.CONFUSION_MATRIX);
            Plots.confusionMatrix(r, cm);
            out.println("wrote " + cm);
            if (m.history().isEmpty()) {
                out.println("no training history in the model: " + Plots.TRAINING_CURVES + " not written");
            } else {
                Path tc = plots.resolve(Plots.TRAINING_CURVES);
                Plots.trainingCurves(m.history(), tc);
                out.println("wrote " + tc);
            }
        }
        out.flush();
        return 0;
    }

    /** A language model on the test texts: loss per token, perplexity, bits per character (or word), token accuracy. */
    private Integer evaluateLanguageModel(PrintWriter out) throws Exception {
        org.jrnn.io.SavedLanguageModel m = ModelFile.loadLanguageModel(model);
        if (plots != null) throw new UserInputException("--plots draws a classifier's confusion matrix; a language model has none");
        String dataName;
        List<Example> rows;
        if (test != null || data.dir != null) {
            Path f = test != null ? test : org.jrnn.data.AgNewsDownload.resolve(data.dir).resolve("test.csv");
            dataName = f.toString();
            rows = DataFiles.read(f, format.spec()).examples();
        } else {
            if (!format.spec().isDefault()) throw new UserInputException("the column options describe a --test or --data file");
            dataName = EmbeddedData.NAME + " test";
            rows = EmbeddedData.test();
        }
        List<String> texts = rows.stream().map(e -> e.text(m.textField())).toList();
        org.jrnn.train.Evaluation e = org.jrnn.train.LmJob.evaluate(m, texts, threads.get());
        String bits = TrainCommand.bitsName(m.vocabulary());
        out.printf(Locale.ROOT, "jrnn evaluate: %s (language model, %s tokens, vocabulary %,d, %,d params, text: %s) on %s%n", model,
                m.vocabulary().kind().id(), m.vocabulary().size(), m.model().paramCount(), SavedModel.textFieldName(m.textField()), dataName);
        out.printf(Locale.ROOT, "texts %,d, tokens %,d%nloss %.4f%nperplexity %.3f%n%s %.4f%naccuracy %.4f%n", texts.size(), e.samples(),
                e.loss(), org.jrnn.train.LmJob.perplexity(e.loss()), bits, org.jrnn.train.LmJob.bits(e.loss()), e.accuracy());
        if (jsonOut != null) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", model.toString());
            j.put("data", dataName);
            j.put("task", "lm");
            j.put("texts", texts.size());
            j.put("tokens", e.samples());
            j.put("loss", e.loss());
            j.put("perplexity", org.jrnn.train.LmJob.perplexity(e.loss()));
            j.put(bits, org.jrnn.train.LmJob.bits(e.loss()));
            j.put("accuracy", e.accuracy());
            AtomicFiles.writeString(jsonOut, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(j) + "\n");
        }
        out.flush();
        return 0;
    }

    static String describe(SavedModel m) {
        SavedModel.Training t = m.training();
        if (t == null) return m.producer() != null ? "from " + m.producer() : "no training record";
        return (t.preset() != null ? "preset " + t.preset() : "custom") + (t.epochs() != null ? ", " + t.epochs() + " epoch" + (t.epochs() == 1 ? "" : "s") : "");
    }
}
