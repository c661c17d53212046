package org.jrnn.cli;

import java.util.ArrayList;
import java.util.List;
import org.jrnn.data.ColumnSpec;
import picocli.CommandLine.Option;

/** How to read --train/--test/--data/--input files: shared by train, evaluate, predict and vocab. */
final class DataFormatOptions {
    @Option(names = "--delimiter", paramLabel = "C",
            description = "Field separator: one character, tab, comma, semicolon or pipe (default: tab for .tsv/.tab, else comma).")
    String delimiter;

    @Option(names = "--header", negatable = true,
            description = "Line 1 is (--header) or is not (--no-header) a header (default: detected; implied by column names).")
    Boolean header;

    @Option(names = "--text-column", paramLabel = "COL",
            description = "Text column by header name or 0-based index; repeat to join several with \" \" in the given order"
                    + " (default: every column but the label's).")
    List<String> textColumns = new ArrayList<>();

    @Option(names = "--label-column", paramLabel = "COL", description = "Label column by header name or 0-based index (default: 0).")
    String labelColumn;

    @Option(names = "--no-quoting", description = "\" is an ordinary character (plain TSV); by default fields may be \"quoted\".")
    boolean noQuoting;

    ColumnSpec spec() {
        return ColumnSpec.of(delimiter, header, textColumns, labelColumn, !noQuoting);
    }
}
