package org.jrnn.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jrnn.data.AgNewsDownload;
import org.jrnn.data.Download;
import org.jrnn.errors.UserInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "download", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Download a data set into the cache, verified by md5: ag-news (the original AG News CSVs,",
                "120,000 train / 7,600 test rows; afterwards use --data ag-news). Partial downloads resume."})
final class DownloadCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DATASET", description = "ag-news")
    String dataset;

    @Option(names = "--dir", paramLabel = "D", description = "Store here instead of the cache (~/.cache/jrnn/ag_news; -Djrnn.cache.dir moves the cache).")
    Path dir;

    @Option(names = "--url", paramLabel = "BASE",
            description = "Base URL holding train.csv, test.csv and classes.txt (default: -Djrnn.agnews.url, else "
                    + AgNewsDownload.DEFAULT_BASE_URL + ").")
    String url;

    /** Other checksums, for tests and for mirrors known to differ; not advertised. */
    @Option(names = "--md5", hidden = true, paramLabel = "FILE=MD5")
    Map<String, String> md5 = new LinkedHashMap<>();

    @Option(names = {"-q", "--quiet"}, description = "No progress bars.")
    boolean quiet;

    /** Retry settings; tests shorten the backoff. */
    Download.Settings settings = Download.Settings.DEFAULT;

    @Override
    public Integer call() throws Exception {
        if (!AgNewsDownload.DATA_NAME.equals(dataset)) {
            throw new UserInputException("unknown data set '" + dataset + "', expected: " + AgNewsDownload.DATA_NAME);
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> sums = new LinkedHashMap<>(AgNewsDownload.MD5);
        for (Map.Entry<String, String> e : md5.entrySet()) {
            if (!sums.containsKey(e.getKey())) throw new UserInputException("--md5: unknown file '" + e.getKey() + "', expected one of " + sums.keySet());
            if (!e.getValue().matches("[0-9a-fA-F]{32}")) throw new UserInputException("--md5 " + e.getKey() + ": expected 32 hex digits");
            sums.put(e.getKey(), e.getValue());
        }
        URI base = AgNewsDownload.baseUrl(url);
        Path target = dir != null ? dir : AgNewsDownload.defaultDir();
        if (!quiet) {
            out.println("jrnn download: AG News from " + base + " into " + target);
            out.flush();
        }
        List<AgNewsDownload.Fetched> files = AgNewsDownload.download(base, target, sums, settings, quiet ? Download.Progress.NONE : new Bar(out));
        for (AgNewsDownload.Fetched f : files) {
            out.printf(Locale.ROOT, "%-12s %,13d bytes  %s, md5 ok%n", f.file(), f.bytes(), switch (f.outcome()) {
                case PRESENT -> "already there";
                case DOWNLOADED -> "downloaded";
                case RESUMED -> "resumed and completed";
            });
        }
        out.println("AG News is ready: jrnn train --data " + (dir != null ? dir : AgNewsDownload.DATA_NAME));
        out.flush();
        return 0;
    }

    /** A byte progress bar per file, on standard error like the training bars. */
    static final class Bar implements Download.Progress {
        private final PrintWriter out;
        private ProgressBar bar;

        Bar(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void started(String file, long fromBytes, long totalBytes) {
            bar = new ProgressBarBuilder().setTaskName(file).setInitialMax(totalBytes).setUnit(" MiB", 1 << 20)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setMaxRenderedLength(100)
                    .showSpeed().startsFrom(fromBytes, Duration.ZERO).continuousUpdate().build();
        }

        @Override
        public void advanced(long bytes) {
            bar.stepBy(bytes);
        }

        @Override
        public void stopped() {
            if (bar != null) bar.close();
            bar = null;
        }

        @Override
        public void retrying(String file, String problem, int attempt, long waitMillis) {
            out.printf(Locale.ROOT, "%s: %s; retry %d in %.1f s%n", file, problem, attempt, waitMillis / 1000.0);
            out.flush();
        }
    }
}
