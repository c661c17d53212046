package org.jrnn.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jrnn.data.Example;
import org.jrnn.data.TextField;
import org.jrnn.errors.UserInputException;
import org.jrnn.text.TextVectorizer;
import org.jrnn.train.DataSource;
import org.jrnn.train.VocabConfig;
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

    @Mixin
    DataDirOption data;

    @Option(names = "--train", paramLabel = "FILE", description = "Training CSV or TSV instead of --data.")
    Path train;

    @Mixin
    DataFormatOptions format;

    @Mixin
    VocabOptions vocab;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the vocabulary.")
    Path out;

    @Override
    public Integer call() throws Exception {
        VocabConfig cfg = vocab.config();
        TextField field = vocab.text(TextField.TITLE_AND_DESCRIPTION);
        List<Example> rows;
        if (train != null) {
            rows = org.jrnn.data.DataFiles.read(train, format.spec()).examples();
        } else {
            if (data.dir == null && !format.spec().isDefault()) throw new UserInputException("the column options describe a --train or --data file");
            rows = DataSource.load(data.dir, null, null, format.spec()).train();
        }
        int n = cfg.rowsToAdapt(rows.size());
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) texts.add(rows.get(i).text(field));
        TextVectorizer v = TextVectorizer.adapt(texts, cfg.vocabSize(), cfg.ties());
        v.writeVocabulary(out);
        spec.commandLine().getOut().printf("wrote %s: %,d entries adapted on %,d rows%n", out, v.size(), n);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
