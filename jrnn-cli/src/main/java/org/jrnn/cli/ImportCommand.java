package org.jrnn.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jrnn.interop.keras.KerasImport;
import org.jrnn.interop.onnx.OnnxImport;
import org.jrnn.io.ModelFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code jrnn import keras|onnx}: a model from elsewhere becomes an ordinary .jrnn file (the group leaves room for more formats). */
@Command(name = "import", mixinStandardHelpOptions = true, subcommands = {ImportCommand.Keras.class, ImportCommand.Onnx.class},
        description = "Convert a model from another framework into a .jrnn file.")
final class ImportCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "keras", mixinStandardHelpOptions = true,
            description = {"Import a Keras 3 .keras or Keras 2 / tf.keras .h5 Sequential text classifier (Embedding, SimpleRNN/LSTM/GRU, "
                    + "Bidirectional, Dropout, pooling, Dense with a softmax head). Reads the config and weights only: nothing in the file "
                    + "is run; unsupported layers are refused by name. Prints what became what."})
    static final class Keras implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE.keras|FILE.h5", description = "The Keras model file.")
        Path file;

        @Option(names = "--out", required = true, paramLabel = "FILE.jrnn", description = "Where to write the jrnn model.")
        Path out;

        @Option(names = "--vocab", paramLabel = "FILE", description = "Vocabulary, one token per line (line 1 empty, line 2 [UNK]): "
                + "needed when the file stores none (.h5 files, models without TextVectorization).")
        Path vocab;

        @Option(names = "--classes", split = ",", paramLabel = "NAME", description = "Class names in output order, comma-separated "
                + "(default: 0, 1, ...).")
        List<String> classes;

        @Override
        public Integer call() throws Exception {
            KerasImport.Result r = KerasImport.read(file, vocab, classes);
            return write(spec, out, r.model(), r.table(), r.notes());
        }
    }

    @Command(name = "onnx", mixinStandardHelpOptions = true,
            description = {"Import an ONNX model written by torch.onnx.export from a PyTorch text classifier: nn.Embedding, "
                    + "nn.RNN/LSTM/GRU (stacked, bidirectional), the last layer's final state, nn.Linear. The graph is read, never run; "
                    + "any other node is refused by name and op type. Prints what became what."})
    static final class Onnx implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE.onnx", description = "The ONNX model file.")
        Path file;

        @Option(names = "--out", required = true, paramLabel = "FILE.jrnn", description = "Where to write the jrnn model.")
        Path out;

        @Option(names = "--vocab", required = true, paramLabel = "FILE", description = "Vocabulary, one token per line in id order "
                + "(line 1 empty, line 2 [UNK]).")
        Path vocab;

        @Option(names = "--classes", split = ",", paramLabel = "NAME", description = "Class names in output order, comma-separated "
                + "(default: 0, 1, ...).")
        List<String> classes;

        @Override
        public Integer call() throws Exception {
            OnnxImport.Result r = OnnxImport.read(file, vocab, classes);
            return write(spec, out, r.model(), r.table(), r.notes());
        }
    }

    /** Saves an imported model and reports it: what became what, the importer's notes, the file. */
    static int write(CommandSpec spec, Path out, org.jrnn.io.SavedModel model, String table, List<String> notes) throws java.io.IOException {
        ModelFile.save(out, model);
        var o = spec.commandLine().getOut();
        o.print(table);
        for (String note : notes) o.println("note: " + note);
        o.printf("wrote %s: %d classes, vocabulary of %,d%n", out, model.classNames().size(), model.vectorizer().size());
        o.flush();
        return 0;
    }
}
