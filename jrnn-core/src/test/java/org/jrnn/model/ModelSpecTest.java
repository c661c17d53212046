package org.jrnn.model;

import org.jrnn.train.Preset;

import org.jrnn.model.ModelSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jrnn.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSpecTest {

    @Test
    void denseActivationIsReadBuiltAndWrittenOnlyWhenNotLinear() {
        ModelSpec spec = ModelSpec.parse("{\"embedding_dim\": 4, \"layers\": [{\"type\": \"LSTM\", \"units\": 3},"
                + " {\"type\": \"Dense\", \"units\": 5, \"activation\": \"relu\"}, {\"type\": \"Dense\", \"units\": 2}]}", "test");
        Sequential m = spec.build(10, 3, 1);
        assertThat(m.layers().get(1)).hasToString("Dense(5, activation=relu)");
        assertThat(m.layers().get(2)).hasToString("Dense(2)");
        assertThat(spec.toJson()).contains("\"activation\" : \"relu\"").doesNotContain("linear").doesNotContain("output_activation");
        assertThat(ModelSpec.parse(spec.toJson(), "again")).isEqualTo(spec);
        assertThat(LayerSpec.dense(5, "linear")).isEqualTo(LayerSpec.dense(5));
        ModelSpec td = new ModelSpec(4, true, List.of(LayerSpec.rnn("GRU", 3, true),
                new LayerSpec("TimeDistributed", null, null, LayerSpec.dense(4, "tanh"), null, null)));
        assertThat(td.build(10, 4, 1).layers().get(1).toString()).contains("activation=tanh");
    }

    @Test
    void badActivationsAreRefusedInOneLine() {
        ModelSpec unknown = new ModelSpec(4, true, List.of(LayerSpec.rnn("LSTM", 3, false), LayerSpec.dense(5, "gelu")));
        assertThatThrownBy(() -> unknown.paramShapes(10, 2)).isInstanceOf(ArchitectureException.class)
                .hasMessage("layers[1]: unknown activation 'gelu', expected one of linear, relu, tanh, sigmoid");
        ModelSpec onLstm = new ModelSpec(4, true, List.of(new LayerSpec("LSTM", 3, null, null, null, null, "relu")));
        assertThatThrownBy(() -> onLstm.paramShapes(10, 2)).hasMessageContaining("LSTM does not take \"activation\"");
        ModelSpec head = new ModelSpec(4, true, List.of(LayerSpec.rnn("LSTM", 3, false)), "softplus");
        assertThatThrownBy(() -> head.paramShapes(10, 2))
                .hasMessage("unknown output_activation 'softplus', expected one of softmax, sigmoid, linear");
        ModelSpec perStep = new ModelSpec(4, true, List.of(LayerSpec.rnn("LSTM", 3, true), LayerSpec.timeDistributed(2)), "sigmoid");
        assertThatThrownBy(() -> perStep.paramShapes(10, 2)).hasMessageContaining("applies to a classifier head");
        ModelSpec softmaxOfOne = new ModelSpec(4, true, List.of(LayerSpec.rnn("LSTM", 3, false)));
        assertThatThrownBy(() -> softmaxOfOne.paramShapes(10, 1)).hasMessageContaining("a softmax head needs at least 2 outputs");
    }

    @Test
    void outputActivationSetsWhatPredictProbabilitiesApplies() {
        List<LayerSpec> layers = List.of(LayerSpec.rnn("GRU", 3, false));
        int[][] x = {{2, 3, 4}, {5}};
        Sequential linear = new ModelSpec(4, true, layers, "linear").build(10, 3, 7);
        float[][] logits = linear.predictProbabilities(x);
        float[][] softmax = new ModelSpec(4, true, layers).build(10, 3, 7).predictProbabilities(x);
        float[][] sigmoid = new ModelSpec(4, true, layers).withOutputActivation("sigmoid").build(10, 3, 7).predictProbabilities(x);
        for (int b = 0; b < x.length; b++) {
            double z = 0;
            for (float v : logits[b]) z += Math.exp(v);
            for (int j = 0; j < 3; j++) {
                assertThat((double) softmax[b][j]).isCloseTo(Math.exp(logits[b][j]) / z, org.assertj.core.data.Offset.offset(1e-6));
                assertThat((double) sigmoid[b][j]).isCloseTo(1 / (1 + Math.exp(-logits[b][j])), org.assertj.core.data.Offset.offset(1e-6));
            }
        }
        ModelSpec binary = new ModelSpec(4, true, layers, "sigmoid");
        assertThat(binary.build(10, 1, 7).predictProbabilities(x)[0]).hasSize(1);
        assertThat(binary.toJson()).contains("\"output_activation\" : \"sigmoid\"");
        assertThat(ModelSpec.parse(binary.toJson(), "again")).isEqualTo(binary);
        assertThat(new ModelSpec(4, true, layers).withOutputActivation("softmax").toJson()).doesNotContain("output_activation");
    }

    @Test
    void buildForWeightsGivesTheSameParametersWithoutRandomDraws() {
        for (Preset p : Preset.all()) {
            Sequential drawn = p.model().build(50, 4, 3);
            Sequential bare = p.model().buildForWeights(50, 4);
            assertThat(bare.stateDict().keySet()).as(p.name()).containsExactlyElementsOf(drawn.stateDict().keySet());
            for (var e : bare.stateDict().entrySet()) {
                assertThat(e.getValue().shape()).as(e.getKey()).isEqualTo(drawn.stateDict().get(e.getKey()).shape());
            }
            assertThat(bare.embedding().weight().data).as(p.name()).containsOnly(0f);
        }
    }

    @Test
    void everyPresetBuildsAndRoundTripsThroughJson(@TempDir Path dir) throws Exception {
        for (Preset p : Preset.all()) {
            Path f = dir.resolve(p.name() + ".json");
            Files.writeString(f, p.model().toJson());
            ModelSpec back = ModelSpec.read(f);
            assertThat(back).isEqualTo(p.model());
            Sequential m = back.build(100, 4, 1);
            assertThat(m.outputSize()).isEqualTo(4);
        }
    }

    @Test
    void bilstmPresetHasTheAnchorsParameterCount() {
        // shared/anchors/pytorch/README.md: bilstm2x64 has 1,652,996 parameters with V = 11,358
        assertThat(Preset.get("bilstm2x64").model().build(11358, 4, 1).paramCount()).isEqualTo(1_652_996);
        assertThat(Preset.get("rnn_masked").model().build(11358, 4, 1).paramCount()).isEqualTo(728_292);
        assertThat(Preset.get("lstm").model().build(11358, 4, 1).paramCount()).isEqualTo(729_316);
        assertThat(Preset.get("gru").model().build(11358, 4, 1).paramCount()).isEqualTo(730_916);
    }

    @Test
    void badFilesNameTheProblem(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.json");
        Files.writeString(f, "{\"embedding_dim\": 8, \"mask_zero\": true, \"layers\": [{\"type\": \"Conv1D\"}]}");
        assertThatThrownBy(() -> ModelSpec.read(f).build(10, 2, 1)).hasMessageContaining("layers[0]: unknown layer type 'Conv1D'");
        Files.writeString(f, "{\"embedding_dim\": 8, \"mask_zero\": true, \"layers\": [{\"type\": \"LSTM\"}]}");
        assertThatThrownBy(() -> ModelSpec.read(f).build(10, 2, 1)).hasMessageContaining("layers[0]: missing \"units\"");
        Files.writeString(f, "{\"embedding_dim\": 8,\n \"colour\": 3}");
        assertThatThrownBy(() -> ModelSpec.read(f)).hasMessageContaining("m.json:2").hasMessageContaining("colour");
        Files.writeString(f, "{\"embedding_dim\": 8, \"mask_zero\": true, \"layers\": [{\"type\": \"LSTM\", \"units\": 4, \"return_sequences\": true}]}");
        assertThatThrownBy(() -> ModelSpec.read(f).build(10, 2, 1)).hasMessageContaining("outputs a sequence");
    }

    @Test
    void parameterNamesAndShapesFollowThePyTorchReference() {
        ModelSpec spec = new ModelSpec(7, true, List.of(
                LayerSpec.bidirectional(LayerSpec.rnn("GRU", 3, true), "sum"),
                LayerSpec.bidirectional(LayerSpec.rnn("SimpleRNN", 4, true)),
                LayerSpec.of("GlobalMaxPooling1D"), LayerSpec.dropout(0.2), LayerSpec.dense(9), LayerSpec.dense(5)));
        Map<String, int[]> shapes = spec.paramShapes(50, 4);
        assertThat(shapes.keySet()).containsExactly("embedding.weight",
                "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse", "rnn.bias_ih_l0_reverse", "rnn.bias_hh_l0_reverse",
                "rnn.weight_ih_l1", "rnn.weight_hh_l1", "rnn.bias_ih_l1", "rnn.bias_hh_l1",
                "rnn.weight_ih_l1_reverse", "rnn.weight_hh_l1_reverse", "rnn.bias_ih_l1_reverse", "rnn.bias_hh_l1_reverse",
                "fc.weight", "fc.bias", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias");
        assertThat(shapes.get("rnn.weight_ih_l0")).containsExactly(9, 7);   // GRU: 3·3 rows r|z|n
        assertThat(shapes.get("rnn.weight_ih_l1")).containsExactly(4, 3);   // sum merge keeps width 3
        assertThat(shapes.get("fc.weight")).containsExactly(9, 8);          // concat: 2·4
        assertThat(shapes.get("fc2.weight")).containsExactly(4, 5);         // the classifier head
        Sequential m = spec.build(50, 4, 1);
        assertThat(m.stateDict().keySet()).containsExactlyElementsOf(shapes.keySet());
        m.stateDict().forEach((name, p) -> assertThat(p.shape()).as(name).containsExactly(shapes.get(name)));
    }

    @Test
    void fieldsATypeDoesNotTakeAreRefusedByName() {
        ModelSpec typo = new ModelSpec(8, true, List.of(new LayerSpec("LSTM", 4, null, null, null, 0.5)));
        assertThatThrownBy(() -> typo.build(10, 2, 1)).isInstanceOf(ArchitectureException.class)
                .hasMessage("layers[0]: LSTM does not take \"rate\" (it takes \"return_sequences\", \"units\")");
        ModelSpec pooled = new ModelSpec(8, true, List.of(LayerSpec.rnn("GRU", 4, false), LayerSpec.of("GlobalMaxPooling1D")));
        assertThatThrownBy(() -> pooled.paramShapes(10, 2)).isInstanceOf(ArchitectureException.class)
                .hasMessageStartingWith("layers[1]: GlobalMaxPooling1D expects a sequence input");
        ModelSpec badRate = new ModelSpec(8, true, List.of(LayerSpec.rnn("GRU", 4, false), LayerSpec.dropout(1.0)));
        assertThatThrownBy(() -> badRate.paramShapes(10, 2)).hasMessage("layers[1]: rate must be in [0, 1), received: 1.0");
        ModelSpec wrapsDense = new ModelSpec(8, true, List.of(LayerSpec.bidirectional(LayerSpec.dense(3))));
        assertThatThrownBy(() -> wrapsDense.paramShapes(10, 2)).hasMessageContaining("Bidirectional wraps SimpleRNN, LSTM or GRU");
        ModelSpec badMerge = new ModelSpec(8, true, List.of(LayerSpec.bidirectional(LayerSpec.rnn("GRU", 4, false), "max")));
        assertThatThrownBy(() -> badMerge.paramShapes(10, 2)).hasMessageContaining("layers[0]: unknown merge_mode 'max'");
    }

    @Test
    void spatialDropoutSitsOnSequencesAndKeepsTheirWidth() {
        ModelSpec spec = new ModelSpec(8, true, List.of(new LayerSpec("SpatialDropout1D", null, null, null, null, 0.2),
                LayerSpec.rnn("LSTM", 4, false)));
        assertThat(spec.paramShapes(10, 2).get("rnn.weight_ih_l0")).containsExactly(16, 8);
        assertThat(spec.build(10, 2, 1).layers().get(0)).hasToString("SpatialDropout1D(0.2)");
        ModelSpec after = new ModelSpec(8, true, List.of(LayerSpec.rnn("LSTM", 4, false),
                new LayerSpec("SpatialDropout1D", null, null, null, null, 0.2)));
        assertThatThrownBy(() -> after.paramShapes(10, 2)).hasMessageStartingWith("layers[1]: SpatialDropout1D expects a sequence input");
    }

    /** The JSON of the brief, as a user writes it: a bi-LSTM stack with one output per step. */
    static final String PER_STEP_JSON = """
            {"embedding_dim": 6, "mask_zero": true, "layers": [
              {"type": "LSTM", "units": 4, "return_sequences": true},
              {"type": "Bidirectional", "layer": {"type": "GRU", "units": 3, "return_sequences": true}, "merge_mode": "concat"},
              {"type": "TimeDistributed", "layer": {"type": "Dense", "units": 5}}]}""";

    @Test
    void aTimeDistributedHeadMakesAPerStepModelNamedAsPyTorchsLinearOnTheRnnOutput(@TempDir Path dir) throws Exception {
        ModelSpec spec = ModelSpec.parse(PER_STEP_JSON, "test");
        assertThat(spec.perStep()).isTrue();
        Map<String, int[]> shapes = spec.paramShapes(20, 5);
        // No classifier head appended: the per-step head is the model's fc, (K, 2·3).
        assertThat(shapes.keySet()).endsWith("rnn.bias_hh_l1_reverse", "fc.weight", "fc.bias");
        assertThat(shapes.get("fc.weight")).containsExactly(5, 6);
        assertThat(shapes.get("fc.bias")).containsExactly(5);
        Sequential m = spec.build(20, 5, 1);
        assertThat(m.outputIsSequence()).isTrue();
        assertThat(m.outputSize()).isEqualTo(5);
        assertThat(m.layers().get(2)).hasToString("TimeDistributed(Dense(5))");
        assertThat(m.stateDict().keySet()).containsExactlyElementsOf(shapes.keySet());
        m.stateDict().forEach((name, p) -> assertThat(p.shape()).as(name).containsExactly(shapes.get(name)));
        assertThat(m.summary()).contains("TimeDistributed(Dense(5))").contains("(None, None, 5)");

        Path f = dir.resolve("tagger.json");
        Files.writeString(f, spec.toJson());
        assertThat(spec.toJson()).contains("\"TimeDistributed\"").doesNotContain("perStep").doesNotContain("per_step");
        ModelSpec back = ModelSpec.read(f);
        assertThat(back).isEqualTo(spec);
        assertThat(back).isEqualTo(new ModelSpec(6, true, List.of(LayerSpec.rnn("LSTM", 4, true),
                LayerSpec.bidirectional(LayerSpec.rnn("GRU", 3, true), "concat"), LayerSpec.timeDistributed(5))));
        assertThat(back.build(20, 5, 1).stateDict().keySet()).containsExactlyElementsOf(shapes.keySet());
    }

    @Test
    void timeDistributedCountsAsADenseAndAClassifierMayUseItBeforeItsHead() {
        ModelSpec twoHeads = new ModelSpec(6, true, List.of(LayerSpec.rnn("SimpleRNN", 4, true),
                LayerSpec.timeDistributed(8), LayerSpec.timeDistributed(3)));
        Map<String, int[]> shapes = twoHeads.paramShapes(20, 3);
        assertThat(shapes.get("fc.weight")).containsExactly(8, 4);
        assertThat(shapes.get("fc1.weight")).containsExactly(3, 8);
        // In the middle of a classifier: a Dense per step, then the recurrent layer and the appended head.
        ModelSpec classifier = new ModelSpec(6, true, List.of(LayerSpec.timeDistributed(8), LayerSpec.rnn("GRU", 4, false)));
        assertThat(classifier.perStep()).isFalse();
        Map<String, int[]> c = classifier.paramShapes(20, 3);
        assertThat(c.get("fc.weight")).containsExactly(8, 6);
        assertThat(c.get("rnn.weight_ih_l0")).containsExactly(12, 8);
        assertThat(c.get("fc1.weight")).containsExactly(3, 4);
        assertThat(classifier.build(20, 3, 1).outputIsSequence()).isFalse();
    }

    @Test
    void timeDistributedIsRefusedWhereItCannotWork() {
        ModelSpec afterLastState = new ModelSpec(6, true, List.of(LayerSpec.rnn("LSTM", 4, false), LayerSpec.timeDistributed(3)));
        assertThatThrownBy(() -> afterLastState.build(20, 3, 1)).isInstanceOf(ArchitectureException.class)
                .hasMessage("layers[1]: TimeDistributed applies its layer to every step of a sequence, but the previous layer returns "
                        + "one vector per sequence (None, 4): set \"return_sequences\": true on the recurrent layer before it");
        ModelSpec afterPooling = new ModelSpec(6, true, List.of(LayerSpec.rnn("LSTM", 4, true), LayerSpec.of("GlobalAveragePooling1D"),
                LayerSpec.timeDistributed(3)));
        assertThatThrownBy(() -> afterPooling.paramShapes(20, 3)).hasMessageStartingWith("layers[2]: TimeDistributed applies its layer");
        ModelSpec wrapsLstm = new ModelSpec(6, true, List.of(new LayerSpec("TimeDistributed", null, null, LayerSpec.rnn("LSTM", 3, true), null, null)));
        assertThatThrownBy(() -> wrapsLstm.paramShapes(20, 3)).hasMessage("layers[0]: TimeDistributed wraps a Dense, received: LSTM");
        ModelSpec bare = new ModelSpec(6, true, List.of(LayerSpec.of("TimeDistributed")));
        assertThatThrownBy(() -> bare.paramShapes(20, 3)).hasMessage("layers[0]: TimeDistributed needs \"layer\" (a Dense)");
        ModelSpec withUnits = new ModelSpec(6, true, List.of(new LayerSpec("TimeDistributed", 3, null, LayerSpec.dense(3), null, null)));
        assertThatThrownBy(() -> withUnits.paramShapes(20, 3)).hasMessage("layers[0]: TimeDistributed does not take \"units\" (it takes \"layer\")");
        ModelSpec noUnits = new ModelSpec(6, true, List.of(new LayerSpec("TimeDistributed", null, null, LayerSpec.of("Dense"), null, null)));
        assertThatThrownBy(() -> noUnits.paramShapes(20, 3)).hasMessage("layers[0].layer: missing \"units\"");
        ModelSpec perStep = new ModelSpec(6, true, List.of(LayerSpec.rnn("GRU", 4, true), LayerSpec.timeDistributed(5)));
        assertThatThrownBy(() -> perStep.paramShapes(20, 3))
                .hasMessage("layers[1]: the per-step head TimeDistributed(Dense) has 5 units, but the model has 3 classes");
        ModelSpec trailingDropout = new ModelSpec(6, true, List.of(LayerSpec.rnn("GRU", 4, true), LayerSpec.timeDistributed(3),
                LayerSpec.dropout(0.1)));
        assertThatThrownBy(() -> trailingDropout.paramShapes(20, 3)).hasMessageContaining("outputs a sequence")
                .hasMessageContaining("TimeDistributed(Dense)");
    }
}
