// Pretrained vectors through TrainJob: their dimension replaces the preset's, found rows are copied,
// padding/[UNK]/missing rows keep the seeded init, --freeze-embeddings keeps them through training, and
// the saved model records the real embedding_dim so it loads again.
package org.jrnn.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.io.ModelFile;
import org.jrnn.io.SavedModel;
import org.jrnn.nn.Embedding;
import org.jrnn.nn.Sequential;
import org.jrnn.text.TextVectorizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainedEmbeddingsTest {
    static final int DIM = 5;

    static TrainConfig config(Path dir, boolean withVectors, boolean freeze) throws Exception {
        StringBuilder rows = new StringBuilder("label\ttext\n");
        for (int i = 0; i < 40; i++) rows.append(i % 2 == 0 ? "up\tstocks rise sharply today\n" : "down\tstocks fall sharply again\n");
        Path train = dir.resolve("train.tsv");
        Files.writeString(train, rows.toString());
        // "Rise" is found lower-cased; "again" and "[UNK]" are not in the file.
        Path vectors = dir.resolve("vectors.txt");
        Files.writeString(vectors, "stocks 1 1 1 1 1\nRise 2 2 2 2 2\nfall -2 -2 -2 -2 -2\nsharply .5 .5 .5 .5 .5\ntoday 3 0 3 0 3\n");
        return TrainConfig.builder(Preset.get("gru")).files(train, null).valSplit(0.25).epochs(1).batchSize(8).seed(5)
                .vocabSize(100).learningRate(1e-2).threads(1).embeddings(withVectors ? vectors : null, freeze).build();
    }

    static float[] row(Sequential m, int i) {
        Embedding e = m.embedding();
        return Arrays.copyOfRange(e.weight().data, i * e.dim(), (i + 1) * e.dim());
    }

    @Test
    void vectorsReplaceFoundRowsAndSetTheDimension(@TempDir Path dir) throws Exception {
        TrainConfig cfg = config(dir, true, false);
        TrainJob.Prepared data = TrainJob.prepare(cfg);
        assertThat(data.model().embeddingDim()).isEqualTo(DIM);
        assertThat(data.embeddings().coverage()).isEqualTo("5 of 6 vocabulary tokens found (83.3 %)");
        assertThat(data.embeddings().foundLowerCase()).isEqualTo(1);
        Sequential m = TrainJob.buildModel(cfg, data);
        Sequential plain = data.model().build(data.vectorizer().size(), 2, cfg.optim().seed()); // same seed, no vectors
        TextVectorizer v = data.vectorizer();
        assertThat(row(m, v.indexOf("stocks"))).containsOnly(1f);
        assertThat(row(m, v.indexOf("rise"))).containsOnly(2f);
        assertThat(row(m, v.indexOf("today"))).containsExactly(3, 0, 3, 0, 3);
        for (int i : new int[] {TextVectorizer.PAD_INDEX, TextVectorizer.OOV_INDEX, v.indexOf("again")}) {
            assertThat(row(m, i)).as("row %d keeps its init", i).containsExactly(row(plain, i));
        }
        assertThat(m.embedding().weight().frozen()).isFalse();
    }

    @Test
    void frozenVectorsSurviveTrainingAndTheModelFileRecordsTheirDimension(@TempDir Path dir) throws Exception {
        for (boolean freeze : new boolean[] {true, false}) {
            TrainConfig cfg = config(dir, true, freeze);
            TrainJob.Prepared data = TrainJob.prepare(cfg);
            Sequential m = TrainJob.buildModel(cfg, data);
            float[] before = m.embedding().weight().data.clone();
            float[] otherBefore = m.params().get(1).data.clone();
            TrainJob.Result r = TrainJob.run(cfg, data, m, TrainingListener.NONE);
            assertThat(m.params().get(1).data).as("the GRU trains").isNotEqualTo(otherBefore);
            if (freeze) {
                assertThat(m.embedding().weight().data).containsExactly(before);
            } else {
                assertThat(m.embedding().weight().data).isNotEqualTo(before);
            }
            assertThat(r.config().model().spec().embeddingDim()).isEqualTo(DIM);
            Path file = dir.resolve("m" + freeze + ".jrnn");
            ModelFile.save(file, r.toSavedModel());
            SavedModel back = ModelFile.load(file);
            assertThat(back.architecture().embeddingDim()).isEqualTo(DIM);
            assertThat(back.classNames()).containsExactly("down", "up");
            assertThat(back.model().embedding().weight().data).containsExactly(m.embedding().weight().data);
        }
    }

    @Test
    void freezingNeedsVectors(@TempDir Path dir) {
        assertThatThrownBy(() -> config(dir, false, true)).isInstanceOf(InvalidOptionException.class)
                .hasMessage("freezeEmbeddings needs embeddings (a word-vector file)");
    }

    @Test
    void withoutVectorsNothingChanges(@TempDir Path dir) throws Exception {
        TrainConfig cfg = config(dir, false, false);
        TrainJob.Prepared data = TrainJob.prepare(cfg);
        assertThat(data.embeddings()).isNull();
        assertThat(data.model()).isEqualTo(cfg.model().spec());
        assertThat(List.of(TrainJob.buildModel(cfg, data).embedding().dim())).containsExactly(cfg.model().spec().embeddingDim());
    }
}
