package org.jrnn.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.util.List;
import java.util.Map;
import org.jrnn.data.EncodedDataset;
import org.jrnn.data.Example;
import org.jrnn.errors.UserInputException;
import org.jrnn.io.SavedModel;
import org.jrnn.io.TestModels;
import org.jrnn.train.Evaluation;
import org.jrnn.train.Trainer;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

    @Test
    void figuresFromAHandCheckedConfusionMatrix() {
        long[][] cm = {{5, 1, 0}, {2, 3, 1}, {0, 0, 4}};
        EvaluationReport r = EvaluationReport.of(List.of("a", "b", "c"), cm, 8.0);
        assertThat(r.samples()).isEqualTo(16);
        assertThat(r.loss()).isEqualTo(0.5);
        assertThat(r.accuracy()).isEqualTo(0.75);
        assertThat(r.precision()).containsExactly(5 / 7.0, 3 / 4.0, 4 / 5.0);
        assertThat(r.recall()).containsExactly(5 / 6.0, 1 / 2.0, 1.0);
        assertThat(r.support()).containsExactly(6, 6, 4);
        double f0 = 2 * (5 / 7.0) * (5 / 6.0) / (5 / 7.0 + 5 / 6.0);
        assertThat(r.f1()[0]).isCloseTo(f0, offset(1e-12));
        assertThat(r.f1()[1]).isCloseTo(0.6, offset(1e-12));
        assertThat(r.f1()[2]).isCloseTo(8 / 9.0, offset(1e-12));
        assertThat(r.macroF1()).isCloseTo((f0 + 0.6 + 8 / 9.0) / 3, offset(1e-12));
    }

    @Test
    void aClassNeverPredictedHasZeroPrecisionNotNaN() {
        EvaluationReport r = EvaluationReport.of(List.of("a", "b"), new long[][] {{3, 0}, {2, 0}}, 1);
        assertThat(r.precision()).containsExactly(0.6, 0.0);
        assertThat(r.recall()).containsExactly(1.0, 0.0);
        assertThat(r.f1()[1]).isZero();
    }

    static final List<Example> ROWS = List.of(
            new Example(1, "The team wins", "the match goal"), new Example(2, "Bank profit", "market shares"),
            new Example(0, "Election talks", "minister war"), new Example(1, "goal", ""),
            new Example(2, "shares", "the bank"), new Example(0, "war", "talks talks"), new Example(1, "unknown words", "x"));

    @Test
    void lossAndAccuracyAreThoseOfTheModelsProbabilities() {
        SavedModel m = TestModels.tiny(4);
        EvaluationReport r = Evaluator.evaluate(m, ROWS);
        double loss = 0;
        int correct = 0;
        long[][] cm = new long[3][3];
        for (Example e : ROWS) {
            float[] p = m.model().predictProbabilities(new int[][] {m.vectorizer().encode(e.text(m.textField()))})[0];
            loss -= Math.log(p[e.label()]);
            int best = 0;
            for (int c = 1; c < 3; c++) if (p[c] > p[best]) best = c;
            if (best == e.label()) correct++;
            cm[e.label()][best]++;
        }
        assertThat(r.loss()).isCloseTo(loss / ROWS.size(), offset(1e-6));
        assertThat(r.accuracy()).isEqualTo((double) correct / ROWS.size());
        assertThat(r.confusion()).isDeepEqualTo(cm);
    }

    @Test
    void agreesWithTheTrainersValidationFigures() {
        SavedModel m = TestModels.tiny(6);
        int[][] x = new int[ROWS.size()][];
        int[] y = new int[ROWS.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = m.vectorizer().encode(ROWS.get(i).text(m.textField()));
            y[i] = ROWS.get(i).label();
        }
        Evaluation t = Trainer.evaluate(m.model(), new EncodedDataset(x, y, 3), 256);
        EvaluationReport r = Evaluator.evaluate(m.model(), x, y, m.classNames());
        // One scoring loop (Sequential.score) behind both: the same bits, not merely close.
        assertThat(r.accuracy()).isEqualTo(t.accuracy());
        assertThat(r.loss()).isEqualTo(t.loss());
        for (int threads : new int[] {2, 3}) {
            try (Trainer trainer = new Trainer(m.model(), org.jrnn.optim.Adam.keras(), threads)) {
                Evaluation v = trainer.evaluate(new EncodedDataset(x, y, 3), 2); // four batches over the threads
                assertThat(v.loss()).as("%d threads", threads).isEqualTo(Trainer.evaluate(m.model(), new EncodedDataset(x, y, 3), 2).loss());
            }
        }
    }

    @Test
    void theReportDoesNotDependOnTheThreadCount() {
        SavedModel m = TestModels.tiny(7);
        List<Example> many = new java.util.ArrayList<>();
        while (many.size() < 3 * Evaluator.BATCH_SIZE + 5) many.addAll(ROWS); // four batches, the last partial
        EvaluationReport one = Evaluator.evaluate(m, many, 1);
        for (int threads : new int[] {2, 3, 8}) {
            EvaluationReport r = Evaluator.evaluate(m, many, threads);
            assertThat(r.confusion()).as("%d threads", threads).isDeepEqualTo(one.confusion());
            assertThat(r.loss()).as("%d threads", threads).isEqualTo(one.loss());
        }
        assertThat(one.samples()).isEqualTo(many.size());
        assertThatThrownBy(() -> Evaluator.evaluate(m, many, 0)).hasMessage("threads must be >= 1, received: 0");
    }

    @Test
    void labelsOutsideTheModelsClassesAreRejected() {
        SavedModel m = TestModels.tiny(4); // 3 classes
        assertThatThrownBy(() -> Evaluator.evaluate(m, List.of(new Example(3, "a", "b"))))
                .isInstanceOf(UserInputException.class)
                .hasMessage("example 1 has label index 3 but the model has 3 classes (World, Sports, Business)");
        assertThatThrownBy(() -> Evaluator.evaluate(m, List.of())).hasMessageContaining("no examples");
    }

    @Test
    void tableAndMapNameEveryClass() {
        EvaluationReport r = Evaluator.evaluate(TestModels.tiny(4), ROWS);
        String table = r.toTable();
        assertThat(table).contains("precision", "recall", "f1", "support", "macro avg", "confusion matrix", "true \\ pred");
        assertThat(table.lines().filter(l -> l.startsWith("Business"))).hasSize(2); // metrics row and matrix row
        Map<String, Object> map = r.toMap();
        assertThat(map).containsKeys("samples", "loss", "accuracy", "macro_f1", "classes", "confusion_matrix");
    }
}
