package org.jrnn.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --data DIR}: one option, one help text, for train, evaluate, bench and vocab. */
final class DataDirOption {
    @Option(names = "--data", paramLabel = "DIR",
            description = "Folder holding train.csv and test.csv (a command reads the ones it needs), or ag-news for the"
                    + " 'jrnn download' cache (default: the embedded sample).")
    Path dir;
}
