package org.jrnn.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jrnn.errors.UserInputException;
import org.jrnn.io.SavedModel;
import org.jrnn.io.TestModels;
import org.jrnn.nn.Sequential;
import org.jrnn.text.TextVectorizer;
import org.jrnn.model.ModelSpec;
import org.jrnn.model.LayerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifierTest {

    static SavedModel unmasked() {
        ModelSpec spec = new ModelSpec(6, false, List.of(LayerSpec.rnn("LSTM", 4, false)));
        TextVectorizer v = TextVectorizer.fromVocabulary(TestModels.VOCAB);
        Sequential m = spec.build(v.size(), 3, 12);
        return SavedModel.of(spec, v, org.jrnn.data.TextField.TITLE, TestModels.CLASSES, m);
    }

    static List<String> texts(int n, long seed) {
        Random r = new Random(seed);
        List<String> words = new ArrayList<>(TestModels.VOCAB.subList(2, TestModels.VOCAB.size()));
        words.add("unknown");
        words.add("Goal!");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(12); // including empty texts
            for (int t = 0; t < len; t++) sb.append(t > 0 ? " " : "").append(words.get(r.nextInt(words.size())));
            out.add(sb.toString());
        }
        return out;
    }

    @Test
    void predictionIsTheModelsSoftmaxWithLabelAndTopK() {
        SavedModel m = TestModels.tiny(2);
        Classifier c = new Classifier(m);
        Prediction p = c.predict("The TEAM wins, the match!");
        float[] expected = m.model().predictProbabilities(new int[][] {m.vectorizer().encode("the team wins the match")})[0];
        for (int i = 0; i < 3; i++) assertThat(p.probabilities().get(i)).isEqualTo((double) expected[i]);
        assertThat(p.probabilities().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1, offset(1e-5));
        int best = p.labelIndex();
        for (double q : p.probabilities()) assertThat(q).isLessThanOrEqualTo(p.probabilities().get(best));
        assertThat(p.label()).isEqualTo(TestModels.CLASSES.get(best));
        assertThat(p.confidence()).isEqualTo(p.probabilities().get(best));
        assertThat(p.probabilityMap().keySet()).containsExactly("World", "Sports", "Business");
        List<Prediction.Scored> top = p.topK(2);
        assertThat(top).hasSize(2);
        assertThat(top.get(0).label()).isEqualTo(p.label());
        assertThat(top.get(0).probability()).isGreaterThanOrEqualTo(top.get(1).probability());
        assertThat(p.topK(10)).hasSize(3);
        assertThatThrownBy(() -> p.topK(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBatchGivesWhatEachTextGivesAloneMaskedOrNot() {
        for (SavedModel m : List.of(TestModels.tiny(2), unmasked())) {
            Classifier c = new Classifier(m);
            List<String> texts = texts(300, 5); // more than one batch of 256
            List<Prediction> batch = c.predictBatch(texts);
            for (int i = 0; i < texts.size(); i++) {
                assertThat(batch.get(i).probabilities()).as("%s: %s", m.architecture(), texts.get(i))
                        .isEqualTo(c.predict(texts.get(i)).probabilities());
                assertThat(batch.get(i).text()).isEqualTo(texts.get(i));
            }
        }
        assertThat(new Classifier(TestModels.tiny(2)).predictBatch(List.of())).isEmpty();
    }

    @Test
    void textsGiveTheSameBitsBeforeAndAfterTheWholeVocabularyPlanIsBuilt() {
        // A 400-word vocabulary and GRU(20) (60 gate columns): a one-text call projects only its
        // own rows (a partial plan); after ~100 distinct ids the classifier builds the whole table.
        List<String> vocab = new ArrayList<>(List.of("", "[UNK]"));
        for (int i = 0; vocab.size() < 400; i++) vocab.add("w" + i);
        ModelSpec spec = new ModelSpec(12, true, List.of(LayerSpec.rnn("GRU", 20, false)));
        TextVectorizer v = TextVectorizer.fromVocabulary(vocab);
        SavedModel m = SavedModel.of(spec, v, org.jrnn.data.TextField.TITLE, TestModels.CLASSES, spec.build(v.size(), 3, 21));
        Random r = new Random(4);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            StringBuilder sb = new StringBuilder("w" + r.nextInt(398));
            for (int t = r.nextInt(6); t > 0; t--) sb.append(" w").append(r.nextInt(398));
            texts.add(sb.toString());
        }
        Classifier fresh = new Classifier(m);
        List<Prediction> first = new ArrayList<>();
        for (String t : texts) first.add(fresh.predict(t)); // partial plans, then the whole one
        Classifier warm = new Classifier(m);
        warm.predictBatch(vocab.subList(2, vocab.size())); // builds the whole plan at once
        for (int i = 0; i < texts.size(); i++) {
            assertThat(first.get(i).probabilities()).as(texts.get(i)).isEqualTo(warm.predict(texts.get(i)).probabilities());
        }
    }

    @Test
    void explainWeighsEachTokenByOcclusion() {
        SavedModel m = TestModels.tiny(8);
        Classifier c = new Classifier(m);
        String text = "Bank PROFIT, xyzzy market!";
        Prediction e = c.explain(text);
        assertThat(e.probabilities()).isEqualTo(c.predict(text).probabilities());
        assertThat(e.explanation()).extracting(Prediction.TokenWeight::token).containsExactly("bank", "profit", "xyzzy", "market");
        int[] ids = m.vectorizer().encode(text);
        int k = e.labelIndex();
        float base = m.model().predictProbabilities(new int[][] {ids})[0][k];
        for (int t = 0; t < ids.length; t++) {
            int[] occluded = ids.clone();
            occluded[t] = TextVectorizer.OOV_INDEX;
            double w = base - m.model().predictProbabilities(new int[][] {occluded})[0][k];
            assertThat(e.explanation().get(t).weight()).as(e.explanation().get(t).token()).isCloseTo(w, offset(1e-6));
        }
        assertThat(e.explanation().get(2).weight()).as("unknown token").isZero();
        assertThat(c.explain("").explanation()).isEmpty();
        assertThat(c.predict("x").explanation()).isNull();
    }

    @Test
    void tooLongToExplainAndNullAreRejected() {
        Classifier c = new Classifier(TestModels.tiny(1));
        assertThatThrownBy(() -> c.explain("goal ".repeat(Classifier.MAX_EXPLAIN_TOKENS + 1)))
                .isInstanceOf(UserInputException.class).hasMessageContaining("at most 2000 tokens");
        assertThatThrownBy(() -> c.predict(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentCallsGiveTheSequentialResults() throws Exception {
        Classifier c = new Classifier(TestModels.tiny(3));
        List<String> texts = texts(400, 9);
        List<Prediction> expected = new ArrayList<>();
        for (String t : texts) expected.add(c.predict(t));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> jobs = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int worker = w;
                jobs.add(() -> {
                    for (int i = worker; i < texts.size(); i += 3) {
                        Prediction p = worker % 3 == 0 ? c.explain(texts.get(i)) : c.predict(texts.get(i));
                        if (!p.probabilities().equals(expected.get(i).probabilities())) return false;
                    }
                    List<Prediction> b = c.predictBatch(texts.subList(worker * 40, worker * 40 + 60));
                    for (int i = 0; i < b.size(); i++) {
                        if (!b.get(i).probabilities().equals(expected.get(worker * 40 + i).probabilities())) return false;
                    }
                    return true;
                });
            }
            for (Future<Boolean> f : pool.invokeAll(jobs)) assertThat(f.get()).isTrue();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void loadsAModelFile(@TempDir Path dir) throws Exception {
        Path f = TestModels.saveTiny(dir);
        Classifier c = Classifier.load(f);
        assertThat(c.classNames()).containsExactly("World", "Sports", "Business");
        assertThat(c.predict("goal").probabilities()).isEqualTo(new Classifier(TestModels.tiny(7)).predict("goal").probabilities());
    }

    /** A per-step model (TimeDistributed head) labels tokens: the whole-text paths refuse it in one line. */
    @Test
    void perStepModelsAreRefusedByTheWholeTextPaths() {
        ModelSpec spec = new ModelSpec(4, true, List.of(LayerSpec.rnn("GRU", 3, true), LayerSpec.timeDistributed(3)));
        TextVectorizer v = TextVectorizer.fromVocabulary(TestModels.VOCAB);
        SavedModel m = SavedModel.of(spec, v, org.jrnn.data.TextField.TITLE, TestModels.CLASSES, spec.build(v.size(), 3, 1));
        assertThatThrownBy(() -> new Classifier(m)).isInstanceOf(UserInputException.class)
                .hasMessageContaining("per-step head (TimeDistributed)");
        assertThatThrownBy(() -> org.jrnn.eval.Evaluator.evaluate(m, List.of(new org.jrnn.data.Example(0, "the team", "wins")), 1))
                .isInstanceOf(UserInputException.class).hasMessageContaining("one label per text");
        assertThatThrownBy(() -> new org.jrnn.train.ModelConfig(spec, null, false)).isInstanceOf(UserInputException.class)
                .hasMessageContaining("training fits classifiers");
        int[][] x = {v.encode("the team wins")};
        assertThatThrownBy(() -> m.model().predictProbabilities(x)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("one vector per step");
    }
}
