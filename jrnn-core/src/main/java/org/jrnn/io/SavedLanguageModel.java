// A language model as a .jrnn file holds it (task "lm", docs/FORMAT.md): the architecture ending in its
// per-step head, the token vocabulary, the built model and how it was trained. Plain data, as SavedModel
// is for classifiers; ModelFile reads and writes both.
package org.jrnn.io;

import java.util.List;
import org.jrnn.data.TextField;
import org.jrnn.model.EpochMetrics;
import org.jrnn.model.ModelSpec;
import org.jrnn.nn.Sequential;
import org.jrnn.text.LmVocabulary;

/**
 * A trained next-token model: V = {@code vocabulary.size()} embedding rows and V outputs per step.
 *
 * @param textField which text of a row it was trained on
 * @param training how it was trained (its history's loss is per counted token, in nats), or null
 * @param created ISO-8601 UTC time the file was written, or null
 * @param producer what wrote the file, or null
 */
public record SavedLanguageModel(ModelSpec architecture, LmVocabulary vocabulary, TextField textField, Sequential model,
                                 SavedModel.Training training, String created, String producer) {
    public SavedLanguageModel {
        if (architecture == null || vocabulary == null || textField == null || model == null) {
            throw new IllegalArgumentException("architecture, vocabulary, textField and model are required");
        }
        if (!architecture.perStep() || !model.outputIsSequence()) {
            throw new IllegalArgumentException("a language model ends in a per-step head (TimeDistributed(Dense(V)))");
        }
        int v = vocabulary.size();
        if (model.embedding().vocabSize() != v || model.outputSize() != v) {
            throw new IllegalArgumentException("the vocabulary has " + v + " tokens but the model reads " + model.embedding().vocabSize()
                    + " and predicts " + model.outputSize());
        }
    }

    /** The training history, empty when unknown. */
    public List<EpochMetrics> history() {
        return training == null ? List.of() : training.history();
    }
}
