// evaluate and predict for a tagger (a model of task "tag"): EvaluateCommand and PredictCommand hand over
// here once the loaded model says it labels tokens. Same shape as their classifier paths: options → one
// library call (TagEvaluator, Tagger) → a text table or JSON lines.
package org.jrnn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jrnn.data.ConllReader;
import org.jrnn.data.TaggedSentence;
import org.jrnn.errors.UserInputException;
import org.jrnn.eval.TagEvaluator;
import org.jrnn.eval.TaggingReport;
import org.jrnn.files.AtomicFiles;
import org.jrnn.io.SavedModel;
import org.jrnn.plot.Plots;
import org.jrnn.serve.Tagger;

final class TagCli {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TagCli() {}

    /** {@code jrnn evaluate} of a tagger on a token-per-line file. */
    static int evaluate(EvaluateCommand c, SavedModel m, PrintWriter out) throws Exception {
        if (c.test == null) {
            throw new UserInputException("the model is a tagger: evaluate it on a token-per-line file with --test FILE"
                    + (c.data.dir != null ? " (--data names a folder of AG News CSVs)" : ""));
        }
        if (c.data.dir != null) throw new UserInputException("use either --data DIR or --test FILE, not both");
        if (!c.format.spec().isDefault()) throw new UserInputException("the column options describe CSV/TSV tables; a tagger reads token-per-line files");
        List<TaggedSentence> sentences = ConllReader.read(c.test);
        TaggingReport r = TagEvaluator.evaluate(m, sentences, c.test.toString(), c.threads.get());
        out.printf(Locale.ROOT, "jrnn evaluate: %s (tagger, %s, %,d params, %d tags) on %s%n", c.model, EvaluateCommand.describe(m),
                m.model().paramCount(), m.classNames().size(), c.test);
        out.print(r.toTable());
        if (c.jsonOut != null) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", c.model.toString());
            j.put("data", c.test.toString());
            j.putAll(r.toMap());
            AtomicFiles.writeString(c.jsonOut, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(j) + "\n");
        }
        if (c.plots != null) {
            Path cm = c.plots.resolve(Plots.CONFUSION_MATRIX);
            Plots.confusionMatrix(r.tokens(), cm);
            out.println("wrote " + cm);
            if (m.history().isEmpty()) {
                out.println("no training history in the model: " + Plots.TRAINING_CURVES + " not written");
            } else {
                Path tc = c.plots.resolve(Plots.TRAINING_CURVES);
                Plots.trainingCurves(m.history(), tc);
                out.println("wrote " + tc);
            }
        }
        out.flush();
        return 0;
    }

    /**
     * {@code jrnn predict} with a tagger: texts from the arguments (split with
     * {@code TextVectorizer.splitWords}), or the sentences of a token-per-line {@code --input} file
     * (its tokens as they are, its tags printed as {@code true_tags}); stdin is handled by the caller.
     */
    static void predict(PredictCommand c, Tagger t, PrintWriter out) throws Exception {
        if (c.explain) throw new UserInputException("--explain applies to classifiers; a tagger prints a score per token");
        if (!c.texts.isEmpty()) {
            for (String s : c.texts) print(out, t.tag(s), null);
        } else {
            List<TaggedSentence> sentences = ConllReader.read(c.input);
            List<List<String>> tokens = new ArrayList<>(sentences.size());
            for (TaggedSentence s : sentences) tokens.add(s.tokens());
            List<Tagger.Tagged> tagged = t.tagTokens(tokens);
            for (int i = 0; i < tagged.size(); i++) print(out, tagged.get(i), sentences.get(i).tags());
        }
        out.flush();
    }

    /** One JSON line: tokens, tags, and each chosen tag's probability (six decimals); true_tags from a file. */
    static void print(PrintWriter out, Tagger.Tagged r, List<String> trueTags) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tokens", r.tokens());
        m.put("tags", r.tags());
        List<Double> scores = new ArrayList<>(r.scores().length);
        for (float s : r.scores()) scores.add(PredictCommand.round(s));
        m.put("scores", scores);
        if (trueTags != null) m.put("true_tags", trueTags);
        out.println(JSON.writeValueAsString(m));
    }
}
