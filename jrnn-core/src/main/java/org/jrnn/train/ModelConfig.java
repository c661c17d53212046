package org.jrnn.train;

import java.nio.file.Path;
import java.util.Objects;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.model.ArchitectureException;
import org.jrnn.model.ModelSpec;

/**
 * What a run trains.
 *
 * @param spec the architecture (a preset's or a --model file's)
 * @param embeddings pretrained word vectors to initialise the embedding with (their dimension replaces
 *     the spec's embedding_dim), or null
 * @param freezeEmbeddings keep the embedding fixed during training (needs {@code embeddings})
 */
public record ModelConfig(ModelSpec spec, Path embeddings, boolean freezeEmbeddings) {
    public ModelConfig {
        Objects.requireNonNull(spec, "spec");
        if (spec.perStep()) {
            throw new ArchitectureException("the architecture ends in a per-step head (TimeDistributed): training fits classifiers, "
                    + "one label per text; end the layers with a recurrent layer without \"return_sequences\" or a pooling layer");
        }
        if (freezeEmbeddings && embeddings == null) {
            throw new InvalidOptionException(n -> n.apply("freezeEmbeddings") + " needs " + n.apply("embeddings") + " (a word-vector file)");
        }
    }

    /** The same with another architecture (e.g. the embedding dimension of pretrained vectors). */
    public ModelConfig withSpec(ModelSpec s) {
        return new ModelConfig(s, embeddings, freezeEmbeddings);
    }
}
