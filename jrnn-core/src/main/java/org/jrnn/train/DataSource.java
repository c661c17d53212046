package org.jrnn.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jrnn.data.AgNewsCsv;
import org.jrnn.data.AgNewsDownload;
import org.jrnn.data.ColumnSpec;
import org.jrnn.data.DataFiles;
import org.jrnn.data.Dataset;
import org.jrnn.data.EmbeddedData;
import org.jrnn.data.Example;

/**
 * Resolves where training and test rows come from: the embedded sample, a folder (train.csv, test.csv),
 * or two files (the test file may be absent when a validation split stands in for it).
 *
 * @param test test rows, or null when there is no test file
 * @param classNames the training data's classes; test labels index the same list
 * @param format how the training file was read ("AG News CSV", "TSV with header; ...")
 */
public record DataSource(String name, List<Example> train, List<Example> test, List<String> classNames, String format) {

    /** AG News-format data, as before tabular files existed. */
    public static DataSource load(Path dataDir, Path trainFile, Path testFile) throws IOException {
        return load(dataDir, trainFile, testFile, ColumnSpec.DEFAULT);
    }

    /**
     * Reads the files with {@link DataFiles}; the test file's labels must be classes of the training file.
     * {@code dataDir} "ag-news" means the download cache ({@link AgNewsDownload#resolve}).
     */
    public static DataSource load(Path dataDir, Path trainFile, Path testFile, ColumnSpec columns) throws IOException {
        dataDir = AgNewsDownload.resolve(dataDir);
        if (dataDir != null) {
            trainFile = dataDir.resolve("train.csv");
            testFile = dataDir.resolve("test.csv");
        }
        if (trainFile != null) {
            Dataset train = DataFiles.read(trainFile, columns);
            Dataset test = testFile == null ? null
                    : DataFiles.read(testFile, columns, train.classNames(), "the training data (" + trainFile + ")");
            String name = dataDir != null ? dataDir.toString() : testFile != null ? trainFile + " + " + testFile : trainFile.toString();
            return new DataSource(name, train.examples(), test == null ? null : test.examples(), train.classNames(), train.format());
        }
        return new DataSource(EmbeddedData.NAME, EmbeddedData.train(), EmbeddedData.test(), AgNewsCsv.CLASS_NAMES, "AG News CSV");
    }
}
