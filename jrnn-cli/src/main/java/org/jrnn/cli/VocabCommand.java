package org.jrnn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jrnn.data.Example;
import org.jrnn.data.TextField;
import org.jrnn.text.TextVectorizer;
import org.jrnn.train.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "vocab", mixinStandardHelpOptions = true,
        description = "Adapt a vocabulary (Keras TextVectorization) on training rows and write it, one token per line.")
final class VocabCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR", description = "Folder with train.csv, or ag-news for the 'jrnn download' cache (default: the embedded sample).")
    Path data;

    @Option(names = "--train", paramLabel = "FILE", description = "Training CSV or TSV instead of --data.")
    Path train;

    @Mixin
    DataFormatOptions format;

    @Option(names = "--adapt-rows", defaultValue = "0", description = "Adapt on the first N training rows (0 = all; the lesson uses 2000).")
    int adaptRows;

    @Option(names = "--vocab-size", defaultValue = "20000", description = "max_tokens, including padding and [UNK] (default ${DEFAULT-VALUE}).")
    int vocabSize;

    @Option(names = "--vocab-ties", defaultValue = "first", description = "Order of equal counts: first (first appearance) or keras (descending bytes).")
    String ties;

    @Option(names = "--text", defaultValue = "title+description", description = "title or title+description (default).")
    String text;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the vocabulary.")
    Path out;

    @Option(names = "--verbose", description = "Stack traces on errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        if (adaptRows < 0) throw new IllegalArgumentException("--adapt-rows must be >= 0, received: " + adaptRows);
        List<Example> rows;
        if (train != null) {
            rows = org.jrnn.data.DataFiles.read(train, format.spec()).examples();
        } else {
            if (data == null && !format.spec().isDefault()) throw new IllegalArgumentException("the column options describe a --train or --data file");
            rows = DataSource.load(data, null, null, format.spec()).train();
        }
        TextField field = Options.textField(text);
        int n = adaptRows == 0 ? rows.size() : Math.min(adaptRows, rows.size());
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) texts.add(rows.get(i).text(field));
        TextVectorizer v = TextVectorizer.adapt(texts, vocabSize, Options.ties(ties));
        v.writeVocabulary(out);
        spec.commandLine().getOut().printf("wrote %s: %,d entries adapted on %,d rows%n", out, v.size(), n);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
