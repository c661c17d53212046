package org.jrnn.cli;

import picocli.CommandLine.Option;

/** {@code --embedding-adam dense|lazy} for train and bench. */
final class EmbeddingAdamOption {
    @Option(names = "--embedding-adam", defaultValue = "dense", paramLabel = "dense|lazy",
            description = "dense: exact Adam on every embedding row (Keras, default); lazy: only the rows a batch uses (PyTorch SparseAdam).")
    String mode;

    boolean lazy() {
        return Options.lazyEmbedding(mode);
    }
}
