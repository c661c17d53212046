package org.jrnn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.jrnn.data.EmbeddedData;
import org.jrnn.data.EncodedDataset;
import org.jrnn.data.Example;
import org.jrnn.data.TextField;
import org.jrnn.nn.Bidirectional;
import org.jrnn.nn.Dense;
import org.jrnn.nn.Embedding;
import org.jrnn.nn.LSTM;
import org.jrnn.nn.Sequential;
import org.jrnn.optim.Adam;
import org.jrnn.text.TextVectorizer;
import org.jrnn.text.TextVectorizer.TieOrder;
import org.jrnn.model.EpochMetrics;
import org.jrnn.train.TrainJob;
import org.jrnn.train.Trainer;
import org.jrnn.train.TrainingListener;
import org.junit.jupiter.api.Test;

/** The README's "Java API" example, as written there (on a small slice of the embedded sample). */
class ReadmeExampleTest {
    @Test
    void javaApiExampleRuns() {
        List<Example> rows = EmbeddedData.train().subList(0, 400);
        List<String> texts = new ArrayList<>();
        for (Example e : rows) texts.add(e.text(TextField.TITLE_AND_DESCRIPTION));
        TextVectorizer vectorizer = TextVectorizer.adapt(texts, 20000, TieOrder.FIRST_APPEARANCE);
        EncodedDataset train = TrainJob.encode(rows, vectorizer, TextField.TITLE_AND_DESCRIPTION);
        EncodedDataset test = TrainJob.encode(EmbeddedData.test().subList(0, 100), vectorizer, TextField.TITLE_AND_DESCRIPTION);

        // --- README ---
        Sequential model = new Sequential(42)
                .add(new Embedding(20000, 64, true))          // maskZero
                .add(new Bidirectional(new LSTM(64, true)))   // returnSequences
                .add(new LSTM(32))
                .add(new Dense(4));
        System.out.print(model.summary());                   // Keras-style table with Keras' parameter counts
        try (Trainer trainer = new Trainer(model, Adam.keras(), 2)) {
            // 3 epochs, batch 16, seed 42
            List<EpochMetrics> history = trainer.fit(new Trainer.Fit(train, test, 3, 16, 42), TrainingListener.NONE);
            assertThat(history).hasSize(3);
        }
        float[][] probabilities = model.predictProbabilities(new int[][] {vectorizer.encode("Stocks fall on Wall Street")});
        // --- end ---
        assertThat(probabilities[0]).hasSize(4);
    }
}
