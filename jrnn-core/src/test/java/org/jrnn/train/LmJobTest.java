package org.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.jrnn.data.StepDataset;
import org.jrnn.data.TextField;
import org.jrnn.io.ModelFile;
import org.jrnn.io.ModelFormatException;
import org.jrnn.io.SavedLanguageModel;
import org.jrnn.model.ArchitectureException;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.nn.Sequential;
import org.jrnn.serve.Generator;
import org.jrnn.text.LmVocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Language models end to end in the library: vocabulary, training on the embedded sample, the file, generation. */
class LmJobTest {
    @TempDir
    Path dir;

    static LmConfig config(int epochs) {
        LmPreset p = LmPreset.get("char_lstm128");
        DataConfig data = new DataConfig(null, null, null, null, TextField.TITLE, 200, 0);
        LmConfig c = LmConfig.of(p, data, epochs, 7, 2);
        // A small model: the test checks the plumbing, not the quality.
        return new LmConfig(c.preset(), c.data(), c.tokens(), 0, new ModelSpec(8, true, List.of(LayerSpec.rnn("LSTM", 16, true))), 0,
                c.optim(), c.run());
    }

    @Test
    void charVocabularyHasMarkersThenCharactersByCount() {
        LmVocabulary v = LmVocabulary.adapt(List.of("abb", "b\tc"), LmVocabulary.Tokens.CHAR, 0);
        assertThat(v.tokens()).containsExactly("", "[UNK]", "[BOS]", "[EOS]", "b", "a", " ", "c");
        int[][] pair = v.trainingPair("ba");
        assertThat(pair[0]).containsExactly(LmVocabulary.BOS, 4, 5);
        assertThat(pair[1]).containsExactly(4, 5, LmVocabulary.EOS);
        assertThat(v.encode("bz")).containsExactly(4, LmVocabulary.UNK);
        assertThat(v.decode(new int[] {2, 4, 5, 3})).isEqualTo("ba");
        assertThat(LmVocabulary.parse(v.kind(), new String(v.vocabularyFileBytes(), java.nio.charset.StandardCharsets.UTF_8)).tokens())
                .isEqualTo(v.tokens());
        LmVocabulary w = LmVocabulary.adapt(List.of("Stocks rise, stocks fall"), LmVocabulary.Tokens.WORD, 5);
        assertThat(w.tokens()).containsExactly("", "[UNK]", "[BOS]", "[EOS]", "stocks");
        assertThat(w.decode(w.encode("stocks stocks"))).isEqualTo("stocks stocks");
        assertThatThrownBy(() -> LmVocabulary.parse(LmVocabulary.Tokens.CHAR, "\n[UNK]\n[BOS]\n[EOS]\nab\n")).hasMessageContaining("single character");
    }

    @Test
    void trainsSavesLoadsScoresAndGenerates() throws Exception {
        LmConfig cfg = config(2);
        LmJob.Prepared data = LmJob.prepare(cfg);
        assertThat(data.spec().perStep()).isTrue();
        Sequential model = LmJob.buildModel(cfg, data);
        LmJob.Result r = LmJob.run(cfg, data, model, TrainingListener.NONE);
        assertThat(r.history()).hasSize(2);
        assertThat(r.history().get(1).loss()).isLessThan(r.history().get(0).loss());
        Path file = dir.resolve("lm.jrnn");
        ModelFile.save(file, r.toSavedModel());
        assertThat(ModelFile.isLanguageModel(file)).isTrue();
        SavedLanguageModel back = ModelFile.loadLanguageModel(file);
        assertThat(back.vocabulary().tokens()).isEqualTo(data.vocabulary().tokens());
        assertThat(back.history()).hasSize(2);
        // The loaded model scores the test texts as the trained one did.
        List<String> texts = org.jrnn.data.EmbeddedData.test().stream().map(e -> e.title()).toList();
        assertThat(LmJob.evaluate(back, texts, 1).loss()).isCloseTo(r.test().loss(), org.assertj.core.data.Offset.offset(1e-9));
        // A classifier's loader refuses it clearly, and the other way round.
        assertThatThrownBy(() -> ModelFile.load(file)).isInstanceOf(ModelFormatException.class).hasMessageContaining("is a language model");

        Generator g = new Generator(back);
        String greedy = g.generate("Oil ", Generator.Options.greedy(40));
        assertThat(g.generate("Oil ", Generator.Options.greedy(40))).isEqualTo(greedy);
        assertThat(greedy.codePointCount(0, greedy.length())).isLessThanOrEqualTo(40);
        Generator.Options sampled = new Generator.Options(30, 1.0, 5, 0.9, 11, 3);
        List<String> a = g.generateAll("", sampled);
        assertThat(g.generateAll("", sampled)).isEqualTo(a).hasSize(3);
        assertThatThrownBy(() -> g.start("Oil \u4e2d", Generator.Options.greedy(5))).hasMessageContaining("U+4E2D");
    }

    static LmConfig withBptt(LmConfig c, int bptt) {
        return new LmConfig(c.preset(), c.data(), c.tokens(), c.vocabSize(), c.spec(), bptt, c.optim(), c.run());
    }

    /**
     * --bptt keeps whole texts in the prepared data (the trainer cuts them, carrying the state) and
     * scores whole test texts; a window longer than every title changes nothing, bit for bit, and a
     * short one trains the same counted steps to another loss.
     */
    @Test
    void bpttTrainsWindowsOfWholeTextsAndScoresWholeTexts() throws Exception {
        LmConfig whole = config(1);
        LmJob.Result plain = LmJob.run(whole, LmJob.prepare(whole), LmJob.buildModel(whole, LmJob.prepare(whole)), TrainingListener.NONE);
        LmConfig cut = withBptt(whole, 8);
        LmJob.Prepared data = LmJob.prepare(cut);
        assertThat(data.train().size()).isEqualTo(data.trainTexts());
        assertThat(data.test().size()).isEqualTo(data.testTexts());
        LmJob.Result r = LmJob.run(cut, data, LmJob.buildModel(cut, data), TrainingListener.NONE);
        assertThat(r.history().get(0).samples()).isEqualTo(plain.history().get(0).samples()).isEqualTo(data.train().countedSteps());
        assertThat(r.history().get(0).loss()).isNotEqualTo(plain.history().get(0).loss());
        assertThat(r.test().samples()).isEqualTo(data.test().countedSteps());
        assertThat(r.test().loss()).isEqualTo(Trainer.evaluateSteps(r.model(), data.test(), 256).loss());

        LmConfig long_ = withBptt(whole, 1000);
        LmJob.Prepared d2 = LmJob.prepare(long_);
        LmJob.Result same = LmJob.run(long_, d2, LmJob.buildModel(long_, d2), TrainingListener.NONE);
        assertThat(same.history().get(0).loss()).isEqualTo(plain.history().get(0).loss());
        assertThat(same.history().get(0).valLoss()).isEqualTo(plain.history().get(0).valLoss());
        assertThat(same.test().loss()).isEqualTo(plain.test().loss());
    }

    @Test
    void greedyStepsPickTheArgmaxOfTheFullForwardOverThePrefix() {
        LmVocabulary v = LmVocabulary.adapt(List.of("abcab ca", "cab"), LmVocabulary.Tokens.CHAR, 0);
        ModelSpec spec = LmJob.withHead(new ModelSpec(4, true, List.of(LayerSpec.rnn("GRU", 6, true))), v.size());
        Sequential m = spec.build(v.size(), v.size(), 3);
        SavedLanguageModel saved = new SavedLanguageModel(spec, v, TextField.TITLE, m, null, null, null);
        Generator.Generation g = new Generator(saved).start("ab", new Generator.Options(8, 0, 0, 1, 0, 1));
        int[] prefix = v.trainingPair("ab")[0];
        for (String t; (t = g.next()) != null; ) {
            float[][][] p = m.predictStepProbabilities(new int[][] {prefix});
            float[] last = p[0][prefix.length - 1];
            int best = -1;
            for (int j = 4; j < last.length; j++) if (best < 0 || last[j] > last[best]) best = j;
            if (last[LmVocabulary.EOS] > last[best]) best = LmVocabulary.EOS;
            assertThat(t).isEqualTo(v.token(best)); // recomputing the whole prefix agrees with the carried state
            prefix = java.util.Arrays.copyOf(prefix, prefix.length + 1);
            prefix[prefix.length - 1] = best;
        }
    }

    /** {@link #config} with BPTT windows, clipping, early stopping's best weights, 2 threads and checkpoints every 3 steps. */
    static LmConfig resumable(Path ck, boolean resume) {
        LmConfig c = config(2);
        OptimConfig o = c.optim();
        return new LmConfig(c.preset(), c.data(), c.tokens(), 0, c.spec(), 12,
                new OptimConfig(2, 16, o.learningRate(), o.seed(), 1.0, false, false, 2), new RunConfig(2, ck, 3, resume));
    }

    @Test
    void aRunInterruptedMidEpochResumesFromItsCheckpointBitIdentically() throws Exception {
        LmConfig plain = resumable(null, false);
        LmJob.Prepared data = LmJob.prepare(plain);
        LmJob.Result ref = LmJob.run(plain, data, LmJob.buildModel(plain, data), TrainingListener.NONE);

        Path ck = dir.resolve("ck");
        int batches = (data.train().size() + 15) / 16;
        long stop = batches + batches / 2 + 2; // mid-epoch 2, not on a checkpoint step
        LmConfig first = resumable(ck, false);
        assertThatThrownBy(() -> LmJob.run(first, data, LmJob.buildModel(first, data), new Interruption(stop)))
                .isInstanceOf(Interruption.Crash.class);
        assertThatThrownBy(() -> LmJob.run(first, data, LmJob.buildModel(first, data), TrainingListener.NONE))
                .hasMessageContaining("already holds a checkpoint").hasMessageContaining("resume");

        Interruption resumed = new Interruption(0);
        LmConfig second = resumable(ck, true);
        LmJob.Result r = LmJob.run(second, data, LmJob.buildModel(second, data), resumed);
        // Checkpoints fall due every 3 window-steps but are taken at the end of a text batch (no state carried
        // across it), so the resume point is the last batch end at or after a due step, before the crash.
        assertThat(java.util.Arrays.stream(data.train().tokens()).anyMatch(t -> t.length > 12)).as("some texts are cut into carried windows").isTrue();
        assertThat(resumed.resumedAt[0]).as("resumed in epoch 2").isEqualTo(2);
        long batchInEpoch = resumed.resumedAt[1];
        assertThat(batchInEpoch).as("a mid-epoch checkpoint before the crash").isPositive().isLessThan(stop - batches);
        assertThat(resumed.resumedAt[2]).as("window-steps so far exceed text batches").isGreaterThan(batches + batchInEpoch);
        assertThat(resumed.steps).isEqualTo(batches - batchInEpoch);
        Interruption.assertSameWeights(ref.model(), r.model());
        assertThat(Interruption.figures(r.history())).isEqualTo(Interruption.figures(ref.history()));
        assertThat(r.test()).isEqualTo(ref.test());
    }

    @Test
    void architecturesThatCannotBeLanguageModelsAreRefused() {
        assertThatThrownBy(() -> LmJob.withHead(new ModelSpec(4, true, List.of(LayerSpec.rnn("LSTM", 4, false))), 10))
                .isInstanceOf(ArchitectureException.class).hasMessageContaining("return sequences");
        assertThatThrownBy(() -> LmJob.withHead(new ModelSpec(4, true,
                List.of(LayerSpec.bidirectional(LayerSpec.rnn("LSTM", 4, true)))), 10)).hasMessageContaining("Bidirectional");
        assertThatThrownBy(() -> new Generator.Options(5, -1, 0, 1, 0, 1)).hasMessageContaining("temperature");
        assertThat(new StepDataset(new int[][] {{2}}, new int[][] {{3}}, 4).countedSteps()).isEqualTo(1);
    }
}
