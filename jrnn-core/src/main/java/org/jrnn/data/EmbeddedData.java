// The AG News sample bundled in the jar (24,000 train / 1,900 test rows, balanced; see the README beside
// the resources and tools/data/make_sample.py). It lets train/evaluate run with no data download; it is
// not the benchmark data set.
package org.jrnn.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Loads the embedded AG News sample. Each call reads and parses the resource again. */
public final class EmbeddedData {

    /** How the sample is named in logs and reports. */
    public static final String NAME = "ag_news_sample (embedded)";

    private static final String DIR = "ag_news_sample/";

    private EmbeddedData() {
    }

    /** 24,000 training rows, 6,000 per class, shuffled; the first 2,000 hold 500 per class. */
    public static List<Example> train() {
        return load("train.csv.gz");
    }

    /** 1,900 test rows from the original test set, 475 per class, shuffled. */
    public static List<Example> test() {
        return load("test.csv.gz");
    }

    private static List<Example> load(String file) {
        String resource = DIR + file;
        try (InputStream in = EmbeddedData.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource missing from the jar: org/jrnn/data/" + resource);
            }
            return AgNewsCsv.read(in, resource);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read embedded resource " + resource, e);
        }
    }
}
