package org.jrnn.train;

import java.nio.file.Path;
import java.util.Objects;
import org.jrnn.data.ColumnSpec;
import org.jrnn.data.TextField;
import org.jrnn.errors.InvalidOptionException;

/**
 * Where a run's rows come from and which of them it uses: the embedded AG News sample (no paths), a
 * folder holding train.csv and test.csv ("ag-news" = the download cache), or files.
 *
 * @param testFile the test file, or null with {@code valSplit > 0}: the held-out split is then both the
 *     validation and the test data
 * @param columns how to read the files (null = {@link ColumnSpec#DEFAULT}: AG News, or a table with the
 *     label in column 0 and text in the others)
 * @param text which text of a row the model reads
 * @param maxTrainSamples use only the first N training rows (0 = all)
 * @param valSplit fraction of training rows held out for validation (0 = validate on the test set, as the lesson)
 */
public record DataConfig(Path dataDir, Path trainFile, Path testFile, ColumnSpec columns, TextField text,
                         int maxTrainSamples, double valSplit) {

    public DataConfig {
        Objects.requireNonNull(text, "text");
        if (columns == null) columns = ColumnSpec.DEFAULT;
        if (dataDir != null && (trainFile != null || testFile != null)) {
            throw new InvalidOptionException(n -> "use either " + n.apply("dataDir") + " or " + n.apply("trainFile") + "/"
                    + n.apply("testFile") + ", not both");
        }
        if (testFile != null && trainFile == null) {
            throw new InvalidOptionException(n -> n.apply("testFile") + " needs " + n.apply("trainFile") + " (or use " + n.apply("dataDir") + ")");
        }
        if (trainFile != null && testFile == null && !(valSplit > 0)) {
            throw new InvalidOptionException(n -> n.apply("trainFile") + " without " + n.apply("testFile") + " needs " + n.apply("valSplit")
                    + " > 0: the held-out rows are then the validation and test data");
        }
        if (!columns.isDefault() && dataDir == null && trainFile == null) {
            throw new InvalidOptionException(n -> n.apply("columns") + " describe " + n.apply("trainFile") + "/" + n.apply("testFile")
                    + " or " + n.apply("dataDir") + " files; the embedded sample needs none");
        }
        if (maxTrainSamples < 0) throw InvalidOptionException.of("maxTrainSamples", "must be >= 0 (0 = all), received: " + maxTrainSamples);
        if (!(valSplit >= 0 && valSplit < 1)) throw InvalidOptionException.of("valSplit", "must be in [0, 1), received: " + valSplit);
    }

    /** True when no path is given: the embedded sample. */
    public boolean embedded() {
        return dataDir == null && trainFile == null;
    }
}
