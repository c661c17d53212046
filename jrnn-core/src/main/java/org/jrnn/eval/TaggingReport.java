// The figures `jrnn evaluate` prints for a tagger: per-token loss and accuracy, per-tag precision/recall/F1
// and the tag confusion matrix (an EvaluationReport over tokens), plus entity-level scores when the tag
// set is BIO. Plain data, computed by TagEvaluator.
package org.jrnn.eval;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Sequence-labelling results on one data set.
 *
 * @param sentences sentences scored
 * @param tokens the per-token report: {@code samples} counts tokens, classes are tags
 * @param entities entity-level scores, or null when the model's tag set is not BIO
 */
public record TaggingReport(long sentences, EvaluationReport tokens, Entities.Scores entities) {

    /** Summary line, per-tag table, entity table (BIO tag sets), then the tag confusion matrix. */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "sentences %,d   tokens %,d   loss %.4f   accuracy %.4f   tag macro-F1 %.4f", sentences,
                tokens.samples(), tokens.loss(), tokens.accuracy(), tokens.macroF1()));
        if (entities != null) sb.append(String.format(Locale.ROOT, "   entity F1 %.4f", entities.f1()));
        sb.append(String.format("%n%n"));
        sb.append(tokens.classTable("tag"));
        if (entities != null) {
            sb.append(String.format("%nentities (BIO, conlleval rules: an entity counts when type, first and last token all match)%n"));
            sb.append(entities.toTable());
        }
        sb.append(tokens.confusionTable("tag"));
        return sb.toString();
    }

    /** JSON-ready maps (snake_case keys): the token report's figures with tags for classes, then entities. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", "tag");
        m.put("sentences", sentences);
        Map<String, Object> t = tokens.toMap();
        m.put("tokens", t.remove("samples"));
        m.put("loss", t.remove("loss"));
        m.put("accuracy", t.remove("accuracy"));
        m.put("tag_macro_f1", t.remove("macro_f1"));
        m.put("tags", t.remove("classes"));
        m.put("entities", entities == null ? null : entities.toMap());
        m.put("confusion_matrix", t.remove("confusion_matrix"));
        return m;
    }
}
