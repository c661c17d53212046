package org.jrnn.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jrnn.data.AgNewsCsv;
import org.jrnn.data.EmbeddedData;
import org.jrnn.data.Example;

/** Resolves where training and test rows come from: the embedded sample, a folder, or two files. */
public record DataSource(String name, List<Example> train, List<Example> test) {

    public static DataSource load(Path dataDir, Path trainFile, Path testFile) throws IOException {
        if (dataDir != null) {
            return new DataSource(dataDir.toString(), AgNewsCsv.read(dataDir.resolve("train.csv")), AgNewsCsv.read(dataDir.resolve("test.csv")));
        }
        if (trainFile != null) {
            return new DataSource(trainFile + " + " + testFile, AgNewsCsv.read(trainFile), AgNewsCsv.read(testFile));
        }
        return new DataSource(EmbeddedData.NAME, EmbeddedData.train(), EmbeddedData.test());
    }
}
