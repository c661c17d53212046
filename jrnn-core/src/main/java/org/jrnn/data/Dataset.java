// Labelled examples read from one file, with the names of the labels: Example.label indexes classNames.
// What DataFiles and TabularReader return; encoding to token ids happens later (TrainJob.encode).
package org.jrnn.data;

import java.util.HashSet;
import java.util.List;

/**
 * Rows of one data file and the class names their labels index.
 *
 * @param name the file as named by the caller, for messages and reports
 * @param examples rows in file order; every label is below {@code classNames.size()}
 * @param classNames label names in label order (AG News: World, Sports, Business, Sci/Tech)
 * @param format how the file was read, for the user: "AG News CSV" or e.g.
 *     "TSV with header; label: 'label'; text: 'title' + 'body'"
 */
public record Dataset(String name, List<Example> examples, List<String> classNames, String format) {

    public Dataset {
        examples = List.copyOf(examples);
        classNames = List.copyOf(classNames);
        if (new HashSet<>(classNames).size() != classNames.size()) {
            throw new IllegalArgumentException("class names must be distinct, received: " + classNames);
        }
        for (Example e : examples) {
            if (e.label() >= classNames.size()) {
                throw new IllegalArgumentException("label " + e.label() + " but only " + classNames.size() + " classes " + classNames);
            }
        }
    }

    /** An AG News file read by {@link AgNewsCsv}. */
    public static Dataset agNews(String name, List<Example> rows) {
        return new Dataset(name, rows, AgNewsCsv.CLASS_NAMES, "AG News CSV");
    }

    public int size() {
        return examples.size();
    }
}
