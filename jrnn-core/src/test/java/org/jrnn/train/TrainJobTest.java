package org.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jrnn.errors.UserInputException;
import org.jrnn.kernels.Kernels;
import org.jrnn.nn.Sequential;
import org.jrnn.optim.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainJobTest {
    static TrainConfig config(Path ck, int epochs, boolean resume) {
        return TrainConfig.builder(Preset.get("rnn_masked")).maxTrainSamples(300).vocabSize(500).epochs(epochs).batchSize(32)
                .threads(1).checkpoints(ck, 0, resume).build();
    }

    static final class Warnings implements TrainingListener {
        final List<String> messages = new ArrayList<>();

        @Override
        public void warning(String message) {
            messages.add(message);
        }
    }

    /** Trains one epoch into a checkpoint, then resumes it for a second; returns the resume's warnings. */
    static List<String> resume(Path ck, String recordedNumerics) throws Exception {
        TrainConfig first = config(ck, 1, false);
        TrainJob.Prepared data = TrainJob.prepare(first);
        TrainJob.run(first, data, TrainJob.buildModel(first, data), TrainingListener.NONE);
        if (recordedNumerics != null) {
            // The same checkpoint as written on a machine with other kernels.
            Sequential m = TrainJob.buildModel(first, data);
            Adam adam = Adam.keras(first.optim().learningRate());
            TrainConfig.Fingerprint fp = first.fingerprint(data.vectorizer(), data.train().size());
            TrainingState st = Checkpoint.read(ck, fp, m.params(), adam);
            Checkpoint.write(ck, new TrainConfig.Fingerprint(fp.settings(), recordedNumerics), st, m.params(), adam);
        }
        TrainConfig second = config(ck, 2, true);
        Warnings w = new Warnings();
        TrainJob.Result r = TrainJob.run(second, data, TrainJob.buildModel(second, data), w);
        assertThat(r.history()).as("the resumed run finishes").hasSize(2);
        return w.messages;
    }

    @Test
    void aDivergingRunStopsWithUserInputNamingTheRemedy() throws Exception {
        TrainConfig c = TrainConfig.builder(Preset.get("rnn_masked")).maxTrainSamples(200).vocabSize(300).epochs(1).batchSize(32)
                .learningRate(1e300).threads(1).build();
        TrainJob.Prepared data = TrainJob.prepare(c);
        assertThatThrownBy(() -> TrainJob.run(c, data, TrainJob.buildModel(c, data), TrainingListener.NONE))
                .isInstanceOf(TrainingDivergedException.class).isInstanceOf(UserInputException.class)
                .hasMessageStartingWith("loss became").hasMessageContaining("try a lower learning rate");
    }

    @Test
    void resumingWithTheSameKernelsIsSilent(@TempDir Path dir) throws Exception {
        assertThat(resume(dir.resolve("ck"), null)).isEmpty();
    }

    @Test
    void resumingWithOtherKernelsWarnsThatItIsNotBitIdenticalAndContinues(@TempDir Path dir) throws Exception {
        String other = Kernels.numerics().equals("vector(64-bit)") ? "scalar" : "vector(64-bit)";
        assertThat(resume(dir.resolve("ck"), other)).singleElement().asString()
                .isEqualTo("the checkpoint was computed with " + other + " kernels, this run uses " + Kernels.numerics()
                        + ": it continues, but not bit-identically to an uninterrupted run");
        assertThat(TrainJob.numericsWarning(null, "scalar")).startsWith("the checkpoint does not record its kernels, this run uses scalar");
    }
}
