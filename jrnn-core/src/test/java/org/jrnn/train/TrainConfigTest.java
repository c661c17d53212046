package org.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.jrnn.data.ColumnSpec;
import org.jrnn.data.TextField;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.kernels.Kernels;
import org.jrnn.model.LayerSpec;
import org.jrnn.model.ModelSpec;
import org.jrnn.text.TextVectorizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TrainConfigTest {
    static TrainConfig.Builder rnn() {
        return TrainConfig.builder(Preset.get("rnn_masked"));
    }

    @Test
    void thePresetGivesItsSettingsTheGroupsTheRest() {
        Preset best = Preset.get("best");
        TrainConfig c = TrainConfig.builder(best).build();
        assertThat(c.model().spec()).isEqualTo(best.model());
        assertThat(c.data().text()).isEqualTo(TextField.TITLE_AND_DESCRIPTION);
        assertThat(c.data().valSplit()).isEqualTo(0.05);
        assertThat(c.data().embedded()).isTrue();
        assertThat(c.optim()).isEqualTo(new OptimConfig(5, 16, OptimConfig.DEFAULT_LEARNING_RATE, OptimConfig.DEFAULT_SEED, 0, false, false, 1));
        assertThat(c.vocab()).isEqualTo(VocabConfig.DEFAULT);
        assertThat(c.vocab().vocabSize()).isEqualTo(20_000);
        assertThat(c.run().threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(c.run().checkpointDir()).isNull();
        assertThat(TrainConfig.builder(Preset.get("rnn_titles")).build().data().text()).isEqualTo(TextField.TITLE);
    }

    @Test
    void settersOverrideAndWithModelChangesOnlyTheArchitecture() {
        ModelSpec gru = new ModelSpec(32, true, List.of(LayerSpec.rnn("GRU", 4, false)));
        TrainConfig c = rnn().epochs(3).batchSize(7).seed(9).learningRate(0.01).clipNorm(1).vocabSize(50).adaptRows(10)
                .ties(TextVectorizer.TieOrder.KERAS).threads(2).model(gru).build();
        assertThat(c.optim()).isEqualTo(new OptimConfig(3, 7, 0.01, 9, 1, false, false, 0));
        assertThat(c.vocab()).isEqualTo(new VocabConfig(50, 10, TextVectorizer.TieOrder.KERAS));
        assertThat(c.vocab().rowsToAdapt(4)).isEqualTo(4);
        assertThat(c.vocab().rowsToAdapt(400)).isEqualTo(10);
        ModelSpec wider = new ModelSpec(100, true, gru.layers());
        TrainConfig w = c.withModel(wider);
        assertThat(w.model().spec()).isEqualTo(wider);
        assertThat(w).isEqualTo(new TrainConfig(c.preset(), c.data(), c.vocab(), new ModelConfig(wider, null, false), c.optim(), c.run()));
    }

    static Stream<Arguments> badSettings() {
        Path f = Path.of("train.csv");
        return Stream.of(
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.epochs(0), "epochs must be >= 1, received: 0"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.batchSize(-1), "batchSize must be >= 1, received: -1"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.learningRate(0), "learningRate must be > 0 and finite, received: 0.0"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.clipNorm(Double.NaN), "clipNorm must be >= 0 (0 = off), received: NaN"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.patience(-2), "patience must be >= 0 (0 = off), received: -2"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.vocabSize(2), "vocabSize must be >= 3 (padding, [UNK] and one token), received: 2"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.adaptRows(-1), "adaptRows must be >= 0 (0 = all rows), received: -1"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.maxTrainSamples(-5), "maxTrainSamples must be >= 0 (0 = all), received: -5"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.valSplit(1), "valSplit must be in [0, 1), received: 1.0"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.threads(0), "threads must be >= 1, received: 0"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.checkpoints(f, -1, false), "checkpointEvery must be >= 0 (0 = epoch ends only), received: -1"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.checkpoints(null, 5, true), "resume needs checkpointDir"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.dataDir(f).files(f, f), "use either dataDir or trainFile/testFile, not both"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.files(null, f), "testFile needs trainFile (or use dataDir)"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.files(f, null),
                        "trainFile without testFile needs valSplit > 0: the held-out rows are then the validation and test data"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.columns(ColumnSpec.of("tab", null, List.of(), null, true)),
                        "columns describe trainFile/testFile or dataDir files; the embedded sample needs none"),
                Arguments.of((UnaryOperator<TrainConfig.Builder>) b -> b.embeddings(null, true), "freezeEmbeddings needs embeddings (a word-vector file)"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badSettings")
    void badSettingsAreUserInputNamedAsTheLibraryNamesThem(UnaryOperator<TrainConfig.Builder> change, String message) {
        assertThatThrownBy(() -> change.apply(rnn()).build()).isInstanceOf(InvalidOptionException.class).hasMessage(message);
    }

    @Test
    void theFingerprintHoldsWhatDecidesTheNumbersAndTheKernelsApart() {
        TextVectorizer v = TextVectorizer.adapt(List.of("a b c"), 10, TextVectorizer.TieOrder.FIRST_APPEARANCE);
        TrainConfig.Fingerprint fp = rnn().threads(2).build().fingerprint(v, 100);
        assertThat(fp.numerics()).isEqualTo(Kernels.numerics()).isIn("scalar", "vector(128-bit)", "vector(256-bit)", "vector(512-bit)");
        assertThat(fp.settings()).contains("seed=42", "threads=2", "batch=16", "train_rows=100").doesNotContain(fp.numerics());
        // More epochs may continue a checkpoint; another seed, thread count or row count may not.
        assertThat(rnn().threads(2).epochs(4).build().fingerprint(v, 100)).isEqualTo(fp);
        assertThat(rnn().threads(2).seed(1).build().fingerprint(v, 100).settings()).isNotEqualTo(fp.settings());
        assertThat(rnn().threads(1).build().fingerprint(v, 100).settings()).isNotEqualTo(fp.settings());
        assertThat(rnn().threads(2).build().fingerprint(v, 99).settings()).isNotEqualTo(fp.settings());
    }
}
