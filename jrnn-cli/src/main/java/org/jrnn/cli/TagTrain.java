// `jrnn train --task tag`: TrainCommand's options that apply to a tagger → TagTraining.Config → one
// library call → print. Options that only mean something for text classification are refused by name,
// so a user never wonders whether --text-column or --embeddings did anything.
package org.jrnn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jrnn.errors.UserInputException;
import org.jrnn.eval.TagEvaluator;
import org.jrnn.eval.TaggingReport;
import org.jrnn.files.AtomicFiles;
import org.jrnn.model.EpochMetrics;
import org.jrnn.model.ModelSpec;
import org.jrnn.train.TagTraining;
import org.jrnn.train.TrainingListener;
import org.jrnn.train.VocabConfig;

/** Runs a tagger training from {@link TrainCommand}'s parsed options. */
final class TagTrain {
    private TagTrain() {}

    /** The options as a tagger config; options a tagger does not use are refused. */
    static TagTraining.Config config(TrainCommand c) throws java.io.IOException {
        List<String> unused = new ArrayList<>();
        if (c.data.dir != null) unused.add("--data");
        if (!c.format.spec().isDefault()) unused.add("the column options");
        if (c.embeddings != null) unused.add("--embeddings");
        if (c.freezeEmbeddings) unused.add("--freeze-embeddings");
        if (c.maxTrainSamples != 0) unused.add("--max-train-samples");
        if (c.bucket) unused.add("--bucket");
        if (c.valSplit != null) unused.add("--val-split");
        if (c.vocab.text != null) unused.add("--text");
        if (c.vocab.adaptRows != 0) unused.add("--adapt-rows");
        if (c.embeddingAdam.lazy()) unused.add("--embedding-adam");
        if (!unused.isEmpty()) {
            throw new UserInputException(String.join(", ", unused) + (unused.size() == 1 ? " does" : " do") + " not apply to --task tag "
                    + "(a tagger reads token-per-line --train and --test files)");
        }
        TagTraining.Preset p = TagTraining.preset(c.preset != null ? c.preset : TagTraining.DEFAULT_PRESET);
        ModelSpec model = c.modelFile != null ? ModelSpec.read(c.modelFile) : null;
        VocabConfig v = c.vocab.config();
        return new TagTraining.Config(c.trainFile, c.testFile, p, model, v.vocabSize(), v.ties(), c.epochs != null ? c.epochs : 0,
                c.batchSize, c.lr, c.seed, c.threads.get(), c.clipNorm, c.patience != null ? c.patience : 0, c.checkpointDir,
                c.checkpointEvery, c.resume);
    }

    static int run(TrainCommand c, PrintWriter out, PrintWriter err) throws Exception {
        TagTraining.Config cfg = config(c);
        TagTraining.Prepared d = TagTraining.prepare(cfg);
        if (!c.quiet) {
            int e = cfg.epochs();
            out.printf(Locale.ROOT, "jrnn train: tagger %s on %s: %,d train / %,d test sentences (%,d / %,d tokens), vocabulary %,d, batch %d, "
                            + "%d epoch%s, %d thread%s (data ready in %.1f s)%n",
                    c.modelFile != null ? "model " + c.modelFile : "preset " + cfg.preset().name(), cfg.trainFile(), d.train().size(),
                    d.test() == null ? 0 : d.test().size(), d.train().realTokens(), d.test() == null ? 0 : d.test().realTokens(),
                    d.vectorizer().size(), cfg.batchSize(), e, e == 1 ? "" : "s", cfg.threads(), cfg.threads() == 1 ? "" : "s", d.seconds());
            out.printf("%d tags: %s%s%n", d.tagNames().size(), String.join(", ", d.tagNames()),
                    d.test() == null ? "; no --test file: no validation or test figures" : "");
            out.print(d.model().build(d.vectorizer().size(), d.tagNames().size(), cfg.seed()).summary());
            out.flush();
        }
        TrainingListener listener = c.quiet ? TrainCommand.warningsTo(err) : new TrainCommand.ProgressListener(out, err);
        TagTraining.Result r = TagTraining.run(cfg, d, listener);
        double seconds = r.history().stream().mapToDouble(EpochMetrics::seconds).sum();
        TaggingReport test = d.test() == null ? null
                : TagEvaluator.evaluate(r.model(), d.test().tokens(), d.test().targets(), d.tagNames(), cfg.threads());
        if (test != null) {
            out.printf(Locale.ROOT, "final: test token accuracy %.4f, %s, test loss %.4f after %d epoch%s (%.1f s training, %,.0f tokens/s)%n",
                    test.tokens().accuracy(), test.entities() != null
                            ? String.format(Locale.ROOT, "entity F1 %.4f", test.entities().f1())
                            : String.format(Locale.ROOT, "tag macro-F1 %.4f", test.tokens().macroF1()),
                    test.tokens().loss(), r.history().size(), r.history().size() == 1 ? "" : "s", seconds,
                    TrainCommand.tokensPerSecond(r.history()));
        } else {
            out.printf(Locale.ROOT, "final: token accuracy %.4f, loss %.4f on the training data after %d epoch%s (%.1f s training)%n",
                    r.last().accuracy(), r.last().loss(), r.history().size(), r.history().size() == 1 ? "" : "s", seconds);
        }
        out.flush();
        if (c.metricsOut != null) AtomicFiles.writeString(c.metricsOut, metricsJson(r, test));
        if (c.historyOut != null) {
            AtomicFiles.writeString(c.historyOut, c.historyOut.toString().endsWith(".csv") ? TrainCommand.historyCsv(r.history())
                    : new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r.history()));
        }
        if (c.modelOut != null) {
            org.jrnn.io.ModelFile.save(c.modelOut, r.toSavedModel());
            out.println("saved model to " + c.modelOut);
            out.flush();
        }
        return 0;
    }

    static String metricsJson(TagTraining.Result r, TaggingReport test) throws Exception {
        TagTraining.Config c = r.config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", "tag");
        m.put("preset", c.preset().name());
        m.put("model", r.data().model());
        m.put("train", c.trainFile().toString());
        m.put("test", c.testFile() == null ? null : c.testFile().toString());
        m.put("train_sentences", r.data().train().size());
        m.put("vocab_size", r.data().vectorizer().size());
        m.put("tag_names", r.data().tagNames());
        m.put("params", r.model().paramCount());
        m.put("batch_size", c.batchSize());
        m.put("seed", c.seed());
        m.put("threads", c.threads());
        m.put("epochs", r.history().size());
        m.put("history", r.history());
        m.put("test_report", test == null ? null : test.toMap());
        m.put("machine", Machine.describe());
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
    }
}
