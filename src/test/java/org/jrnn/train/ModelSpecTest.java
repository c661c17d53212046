package org.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jrnn.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSpecTest {

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
}
