// The original AG News CSVs (Zhang, Zhao & LeCun 2015: train.csv 120,000 rows, test.csv 7,600, classes.txt)
// fetched into a local cache and checked against their known md5s (the only checksums published for them;
// see shared/data/ag_news/README.md). What `jrnn download ag-news` runs and `--data ag-news` reads.
// The default source is a public GitHub copy; no request is made unless a download is asked for.
package org.jrnn.data;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.errors.UserInputException;

/** Where AG News comes from and where it is cached. */
public final class AgNewsDownload {
    /**
     * The raw files of mhjabreel/CharCnn_Keras, {@code data/ag_news_csv/} on branch master, a copy of the
     * original CSVs. Its test.csv and classes.txt match the md5s below (checked on a repository snapshot);
     * its 29.5 MB train.csv could not be checked offline, which is what the md5 check is for.
     */
    public static final String DEFAULT_BASE_URL = "https://raw.githubusercontent.com/mhjabreel/CharCnn_Keras/master/data/ag_news_csv/";
    /** System property overriding {@link #DEFAULT_BASE_URL} (the {@code --url} option overrides both). */
    public static final String URL_PROPERTY = "jrnn.agnews.url";
    /** System property naming the cache root (default {@code ~/.cache/jrnn}); AG News goes in {@code ag_news/} under it. */
    public static final String CACHE_PROPERTY = "jrnn.cache.dir";
    /** What {@code --data} accepts to mean the cache. */
    public static final String DATA_NAME = "ag-news";

    /** md5 of each original file, in download order. */
    public static final Map<String, String> MD5;

    static {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("classes.txt", "eb57fd781a350c341c55d4dcfc46782a");
        m.put("test.csv", "d52ea96a97a2d943681189a97654912d");
        m.put("train.csv", "b1a00f826fdfbd249f79597b59e1dc12");
        MD5 = java.util.Collections.unmodifiableMap(m);
    }

    private AgNewsDownload() {}

    /** {@code $jrnn.cache.dir/ag_news}, else {@code ~/.cache/jrnn/ag_news}. */
    public static Path defaultDir() {
        String root = System.getProperty(CACHE_PROPERTY);
        Path base = root != null && !root.isBlank() ? Path.of(root) : Path.of(System.getProperty("user.home"), ".cache", "jrnn");
        return base.resolve("ag_news");
    }

    /**
     * {@code override}, else the {@value #URL_PROPERTY} property, else {@link #DEFAULT_BASE_URL}; always ending in "/".
     *
     * @throws InvalidOptionException for anything but an http(s) URL, naming the setting "url" (or the property)
     */
    public static URI baseUrl(String override) {
        String s = override != null ? override : System.getProperty(URL_PROPERTY, DEFAULT_BASE_URL);
        if (!s.endsWith("/")) s += "/";
        String setting = override != null ? "url" : "-D" + URL_PROPERTY;
        URI u;
        try {
            u = URI.create(s);
        } catch (IllegalArgumentException e) {
            throw InvalidOptionException.of(setting, "is not a valid URL: " + s);
        }
        if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme())) {
            throw InvalidOptionException.of(setting, "must be an http or https URL, received: " + s);
        }
        return u;
    }

    /** One file's result. */
    public record Fetched(String file, Path path, Download.Outcome outcome, long bytes) {}

    /**
     * Fetches every file of {@code md5} (name to md5, normally {@link #MD5}) from {@code base} into
     * {@code dir}, each verified and renamed into place; files already there with the right md5 are kept.
     */
    public static List<Fetched> download(URI base, Path dir, Map<String, String> md5, Download.Settings settings,
                                         Download.Progress progress) throws IOException {
        List<Fetched> out = new ArrayList<>();
        for (Map.Entry<String, String> e : md5.entrySet()) {
            Path target = dir.resolve(e.getKey());
            Download.Outcome o = Download.fetch(base.resolve(e.getKey()), target, e.getValue(), settings, progress);
            out.add(new Fetched(e.getKey(), target, o, Files.size(target)));
        }
        return out;
    }

    /**
     * The folder {@code --data} names: the cache for {@value #DATA_NAME} (which must hold train.csv and
     * test.csv), else {@code dataDir} itself. A folder literally called ag-news is reached as {@code ./ag-news}.
     *
     * @throws UserInputException if the cache is empty, with the command that fills it
     */
    public static Path resolve(Path dataDir) {
        if (dataDir == null || !dataDir.toString().equals(DATA_NAME)) return dataDir;
        Path dir = defaultDir();
        for (String f : List.of("train.csv", "test.csv")) {
            if (!Files.isRegularFile(dir.resolve(f))) {
                throw new UserInputException("AG News is not in the cache (no " + dir.resolve(f) + "): run `jrnn download ag-news` first");
            }
        }
        return dir;
    }
}
