package org.jrnn.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jrnn.interop.onnx.OnnxExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jrnn export onnx}: a .jrnn model for other runtimes (the group leaves room for more formats). */
@Command(name = "export", mixinStandardHelpOptions = true, subcommands = ExportCommand.Onnx.class,
        description = "Convert a .jrnn model for another runtime.")
final class ExportCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "onnx", mixinStandardHelpOptions = true,
            description = {"Export a .jrnn model as ONNX (opset " + OnnxExport.OPSET + "): input token_ids int64 [batch, time] padded with 0, "
                    + "output probabilities [batch, classes]; masked models compute each row's length in the graph, so padding changes "
                    + "nothing. Vocabulary and class names go in the model's metadata and the vocabulary also in a vocab.txt beside it."})
    static final class Onnx implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "FILE.jrnn", description = "The model to export.")
        Path model;

        @Option(names = "--out", required = true, paramLabel = "FILE.onnx", description = "Where to write the ONNX model.")
        Path out;

        @Option(names = "--vocab-out", paramLabel = "FILE", description = "Where to write the vocabulary (default: vocab.txt beside --out).")
        Path vocabOut;

        @Override
        public Integer call() throws Exception {
            OnnxExport.Written w = OnnxExport.write(model, out, vocabOut);
            var o = spec.commandLine().getOut();
            o.printf("wrote %s (%,d bytes, opset %d; input %s int64 [batch, time], output %s [batch, classes]) and %s%n",
                    w.onnx(), w.bytes(), OnnxExport.OPSET, OnnxExport.INPUT, OnnxExport.OUTPUT, w.vocabulary());
            o.flush();
            return 0;
        }
    }
}
