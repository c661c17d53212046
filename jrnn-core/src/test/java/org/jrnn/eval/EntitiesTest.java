// Entity extraction and scoring against hand-counted cases, including conlleval's edge cases: an I- after O
// or after another type starts an entity, B- after B- splits, entities end at the sentence end, and a
// boundary or type mismatch makes both the gold and the predicted entity count as missed/wrong.
package org.jrnn.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import org.jrnn.eval.Entities.Span;
import org.junit.jupiter.api.Test;

class EntitiesTest {
    static List<String> t(String tags) {
        return Arrays.asList(tags.split(" "));
    }

    @Test
    void spansFollowConllevalRules() {
        assertThat(Entities.spans(t("B-PER I-PER O B-LOC"))).containsExactly(new Span(0, 1, "PER"), new Span(3, 3, "LOC"));
        // I- after O starts an entity (IOB1 reading), and so does I- after another type
        assertThat(Entities.spans(t("O I-PER I-PER I-LOC"))).containsExactly(new Span(1, 2, "PER"), new Span(3, 3, "LOC"));
        // B- after B- of the same type: two entities; B- after I- ends the first
        assertThat(Entities.spans(t("B-PER B-PER I-PER B-PER"))).containsExactly(new Span(0, 0, "PER"), new Span(1, 2, "PER"),
                new Span(3, 3, "PER"));
        // an entity runs to the sentence end
        assertThat(Entities.spans(t("O O B-ORG I-ORG"))).containsExactly(new Span(2, 3, "ORG"));
        // B-X I-Y: two entities of one token each
        assertThat(Entities.spans(t("B-ORG I-LOC"))).containsExactly(new Span(0, 0, "ORG"), new Span(1, 1, "LOC"));
        assertThat(Entities.spans(t("O O"))).isEmpty();
    }

    @Test
    void scoresCountExactMatchesOnly() {
        // sentence 1: gold PER(0,1) LOC(3,3); predicted PER(0,0) [boundary wrong] LOC(3,3) [right]
        // sentence 2: gold ORG(0,2); predicted ORG(0,2) [right] PER(4,4) [spurious]
        // sentence 3: gold LOC(1,1); predicted ORG(1,1) [type wrong]
        List<List<String>> gold = List.of(t("B-PER I-PER O B-LOC"), t("B-ORG I-ORG I-ORG O O"), t("O B-LOC"));
        List<List<String>> pred = List.of(t("B-PER O O B-LOC"), t("B-ORG I-ORG I-ORG O B-PER"), t("O B-ORG"));
        Entities.Scores s = Entities.score(gold, pred);
        assertThat(s.gold()).isEqualTo(4);
        assertThat(s.predicted()).isEqualTo(5);
        assertThat(s.correct()).isEqualTo(2);
        assertThat(s.precision()).isCloseTo(2.0 / 5, within(1e-12));
        assertThat(s.recall()).isCloseTo(2.0 / 4, within(1e-12));
        assertThat(s.f1()).isCloseTo(2 * 0.4 * 0.5 / 0.9, within(1e-12));
        assertThat(s.types()).containsExactly("LOC", "ORG", "PER");
        // LOC: correct 1, predicted 1, gold 2 -> P 1, R 0.5, F1 2/3; ORG: 1, 2, 1 -> P 0.5, R 1, F1 2/3; PER: 0, 2, 1 -> 0
        assertThat(s.counts("LOC")).containsExactly(1, 1, 2);
        assertThat(s.counts("ORG")).containsExactly(1, 2, 1);
        assertThat(s.counts("PER")).containsExactly(0, 2, 1);
        assertThat(s.f1("LOC")).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(s.f1("PER")).isZero();
        assertThat(s.macroF1()).isCloseTo((2.0 / 3 + 2.0 / 3 + 0) / 3, within(1e-12));
        assertThat(s.macroPrecision()).isCloseTo((1 + 0.5 + 0) / 3, within(1e-12));
        assertThat(s.toTable()).contains("micro avg").contains("macro avg").contains("PER");
    }

    @Test
    void anIAfterOInPredictionsIsAnEntityThatCanMatch() {
        // conlleval: predicted "O I-PER" is the entity PER(1,1), equal to gold "O B-PER"
        Entities.Scores s = Entities.score(List.of(t("O B-PER")), List.of(t("O I-PER")));
        assertThat(s.correct()).isEqualTo(1);
        assertThat(s.f1()).isEqualTo(1.0);
    }

    @Test
    void noEntitiesGiveZerosAndUndefinedMacro() {
        Entities.Scores s = Entities.score(List.of(t("O O")), List.of(t("O O")));
        assertThat(s.f1()).isZero();
        assertThat(s.macroF1()).isNaN();
        assertThat(s.toMap().get("macro").toString()).contains("f1=null");
    }

    @Test
    void bioTagSetsAreRecognised() {
        assertThat(Entities.isBio(List.of("B-LOC", "I-LOC", "O"))).isTrue();
        assertThat(Entities.isBio(List.of("NOUN", "VERB"))).isFalse();
        assertThat(Entities.isBio(List.of("B-", "O"))).isFalse();
        assertThat(Entities.isBio(List.of("O"))).isFalse();
        assertThat(Entities.isBio(List.of("S-LOC", "O"))).isFalse();
    }

    @Test
    void theTaggingReportAddsTokenFiguresAndEntities() {
        List<String> tags = List.of("B-PER", "I-PER", "O");
        int[][] gold = {{0, 1, 2}, {2, 0}};
        int[][] pred = {{0, 2, 2}, {2, 0}};
        TaggingReport r = TagEvaluator.report(gold, pred, tags, 1.0);
        assertThat(r.tokens().samples()).isEqualTo(5);
        assertThat(r.tokens().accuracy()).isCloseTo(4.0 / 5, within(1e-12));
        assertThat(r.tokens().loss()).isCloseTo(1.0 / 5, within(1e-12));
        assertThat(r.tokens().recall()[1]).isZero(); // I-PER never predicted
        assertThat(r.entities().correct()).isEqualTo(1); // PER(0,0) of sentence 2; PER(0,1) became PER(0,0)
        assertThat(r.entities().gold()).isEqualTo(2);
        assertThat(r.toTable()).startsWith("sentences 2   tokens 5   loss 0.2000   accuracy 0.8000").contains("entity F1 0.5000");
        assertThat(r.toMap()).containsEntry("tokens", 5L).containsKey("entities");
        assertThat(TagEvaluator.report(new int[][] {{0}}, new int[][] {{1}}, List.of("NOUN", "VERB"), 0).entities()).isNull();
    }
}
