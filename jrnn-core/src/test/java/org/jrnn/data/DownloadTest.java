// Download and AgNewsDownload against a loopback HTTP server (127.0.0.1, port 0) serving small fake files
// whose md5s the tests pass in: success, resume of a partial file with Range, a server ignoring Range, a
// dropped connection, retry after a 500, checksum mismatch (nothing left in the cache), 404, and the
// --data ag-news cache lookup. Never touches the internet.
package org.jrnn.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.errors.UserInputException;
import org.jrnn.testing.FakeHttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloadTest {
    static final Download.Settings FAST = new Download.Settings(3, 1, 5_000, 5_000);

    FakeHttpServer server;
    @TempDir
    Path dir;

    static final String CONTENT = "\"1\",\"a fake title\",\"not the real AG News, just bytes with a known md5\"\n".repeat(40);

    @BeforeEach
    void start() throws IOException {
        server = new FakeHttpServer().file("train.csv", CONTENT);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String md5(String s) throws Exception {
        Path f = Files.createTempFile("md5", ".txt");
        try {
            Files.writeString(f, s);
            return Download.md5(f);
        } finally {
            Files.delete(f);
        }
    }

    URI url() {
        return server.base().resolve("train.csv");
    }

    List<String> cacheFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void downloadsVerifiesAndRenamesAndThenKeepsTheFile() throws Exception {
        Path target = dir.resolve("train.csv");
        assertThat(Download.fetch(url(), target, md5(CONTENT), FAST, Download.Progress.NONE)).isEqualTo(Download.Outcome.DOWNLOADED);
        assertThat(Files.readString(target)).isEqualTo(CONTENT);
        assertThat(cacheFiles()).containsExactly("train.csv");
        assertThat(Download.fetch(url(), target, md5(CONTENT).toUpperCase(), FAST, Download.Progress.NONE)).isEqualTo(Download.Outcome.PRESENT);
        assertThat(server.requests).hasSize(1);
    }

    @Test
    void resumesAPartialFileWithARangeRequest() throws Exception {
        Path target = dir.resolve("train.csv");
        Files.writeString(dir.resolve("train.csv.part"), CONTENT.substring(0, 1000));
        long[] from = new long[1];
        Download.Progress p = new Download.Progress() {
            @Override
            public void started(String file, long fromBytes, long totalBytes) {
                from[0] = fromBytes;
                assertThat(totalBytes).isEqualTo(CONTENT.length());
            }
        };
        assertThat(Download.fetch(url(), target, md5(CONTENT), FAST, p)).isEqualTo(Download.Outcome.RESUMED);
        assertThat(server.requests).containsExactly("/data/train.csv bytes=1000-");
        assertThat(from[0]).isEqualTo(1000);
        assertThat(Files.readString(target)).isEqualTo(CONTENT);
        assertThat(cacheFiles()).containsExactly("train.csv");
    }

    @Test
    void aServerIgnoringRangeRestartsFromTheStart() throws Exception {
        server.ranges = false;
        Files.writeString(dir.resolve("train.csv.part"), CONTENT.substring(0, 1000));
        assertThat(Download.fetch(url(), dir.resolve("train.csv"), md5(CONTENT), FAST, Download.Progress.NONE))
                .isEqualTo(Download.Outcome.DOWNLOADED);
        assertThat(Files.readString(dir.resolve("train.csv"))).isEqualTo(CONTENT);
    }

    @Test
    void aDroppedConnectionIsResumedWhereItStopped() throws Exception {
        server.cuts.put("/data/train.csv", new AtomicInteger(1));
        List<String> retries = new ArrayList<>();
        Download.Progress p = new Download.Progress() {
            @Override
            public void retrying(String file, String problem, int attempt, long waitMillis) {
                retries.add(file + " " + attempt + " " + waitMillis);
            }
        };
        assertThat(Download.fetch(url(), dir.resolve("train.csv"), md5(CONTENT), FAST, p)).isEqualTo(Download.Outcome.RESUMED);
        assertThat(retries).containsExactly("train.csv 1 1");
        assertThat(server.requests).hasSize(2);
        assertThat(server.requests.get(1)).isEqualTo("/data/train.csv bytes=" + CONTENT.length() / 2 + "-");
        assertThat(Files.readString(dir.resolve("train.csv"))).isEqualTo(CONTENT);
    }

    @Test
    void retriesAfterA500WithBackoff() throws Exception {
        server.failures.put("/data/train.csv", new AtomicInteger(2));
        List<Long> waits = new ArrayList<>();
        Download.Progress p = new Download.Progress() {
            @Override
            public void retrying(String file, String problem, int attempt, long waitMillis) {
                assertThat(problem).isEqualTo("HTTP 500 Internal Server Error");
                waits.add(waitMillis);
            }
        };
        assertThat(Download.fetch(url(), dir.resolve("train.csv"), md5(CONTENT), FAST, p)).isEqualTo(Download.Outcome.DOWNLOADED);
        assertThat(waits).containsExactly(1L, 2L);
        assertThat(server.requests).hasSize(3);
    }

    @Test
    void givesUpAfterTheRetriesKeepingNothingButAResumablePart() throws Exception {
        server.failures.put("/data/train.csv", new AtomicInteger(100));
        assertThatThrownBy(() -> Download.fetch(url(), dir.resolve("train.csv"), md5(CONTENT), FAST, Download.Progress.NONE))
                .isInstanceOf(DownloadException.class)
                .hasMessage("train.csv: " + url() + ": HTTP 500 Internal Server Error (gave up after 4 attempts; run again to resume)");
        assertThat(server.requests).hasSize(4);
        assertThat(cacheFiles()).isEmpty();
    }

    @Test
    void aChecksumMismatchLeavesNoFile() throws Exception {
        String wrong = "0123456789abcdef0123456789abcdef";
        assertThatThrownBy(() -> Download.fetch(url(), dir.resolve("train.csv"), wrong, FAST, Download.Progress.NONE))
                .isInstanceOf(DownloadException.class)
                .hasMessage("train.csv: checksum mismatch: md5 " + md5(CONTENT) + ", expected " + wrong + " (from " + url()
                        + "; the download was deleted)");
        assertThat(cacheFiles()).isEmpty();
        assertThat(server.requests).hasSize(1);
    }

    @Test
    void aStalePartIsRetriedOnceFromScratch() throws Exception {
        String stale = "stale bytes from another version of the file";
        Files.writeString(dir.resolve("train.csv.part"), stale);
        assertThat(Download.fetch(url(), dir.resolve("train.csv"), md5(CONTENT), FAST, Download.Progress.NONE))
                .isEqualTo(Download.Outcome.DOWNLOADED);
        assertThat(server.requests).containsExactly("/data/train.csv bytes=" + stale.length() + "-", "/data/train.csv");
        assertThat(Files.readString(dir.resolve("train.csv"))).isEqualTo(CONTENT);
    }

    @Test
    void aCompletePartIsVerifiedAfterA416() throws Exception {
        Files.writeString(dir.resolve("train.csv.part"), CONTENT);
        assertThat(Download.fetch(url(), dir.resolve("train.csv"), md5(CONTENT), FAST, Download.Progress.NONE))
                .isEqualTo(Download.Outcome.RESUMED);
        assertThat(cacheFiles()).containsExactly("train.csv");
    }

    @Test
    void notFoundIsNotRetried() throws Exception {
        URI missing = server.base().resolve("nothing.csv");
        assertThatThrownBy(() -> Download.fetch(missing, dir.resolve("nothing.csv"), md5(CONTENT), FAST, Download.Progress.NONE))
                .isInstanceOf(DownloadException.class).hasMessage("nothing.csv: " + missing + ": HTTP 404 Not Found");
        assertThat(server.requests).hasSize(1);
        assertThat(cacheFiles()).isEmpty();
    }

    @Test
    void agNewsFetchesEveryFileIntoTheCacheAndDataAgNewsFindsIt() throws Exception {
        String test = "\"2\",\"t\",\"d\"\n";
        String classes = "World\nSports\nBusiness\nSci/Tech\n";
        server.file("test.csv", test).file("classes.txt", classes);
        Map<String, String> sums = new LinkedHashMap<>();
        sums.put("classes.txt", md5(classes));
        sums.put("test.csv", md5(test));
        sums.put("train.csv", md5(CONTENT));
        String old = System.getProperty(AgNewsDownload.CACHE_PROPERTY);
        System.setProperty(AgNewsDownload.CACHE_PROPERTY, dir.toString());
        try {
            Path cache = AgNewsDownload.defaultDir();
            assertThat(cache).isEqualTo(dir.resolve("ag_news"));
            assertThatThrownBy(() -> AgNewsDownload.resolve(Path.of("ag-news"))).isInstanceOf(UserInputException.class)
                    .hasMessage("AG News is not in the cache (no " + cache.resolve("train.csv") + "): run `jrnn download ag-news` first");
            List<AgNewsDownload.Fetched> got = AgNewsDownload.download(server.base(), cache, sums, FAST, Download.Progress.NONE);
            assertThat(got).extracting(AgNewsDownload.Fetched::file).containsExactly("classes.txt", "test.csv", "train.csv");
            assertThat(got.get(2).bytes()).isEqualTo(CONTENT.length());
            assertThat(AgNewsDownload.resolve(Path.of("ag-news"))).isEqualTo(cache);
            assertThat(AgNewsDownload.resolve(Path.of("./ag-news"))).isEqualTo(Path.of("./ag-news"));
            assertThat(AgNewsCsv.read(cache.resolve("train.csv"))).hasSize(40);
        } finally {
            if (old == null) System.clearProperty(AgNewsDownload.CACHE_PROPERTY);
            else System.setProperty(AgNewsDownload.CACHE_PROPERTY, old);
        }
    }

    @Test
    void baseUrlsAndKnownChecksums() {
        assertThat(AgNewsDownload.baseUrl("http://host/x").toString()).isEqualTo("http://host/x/");
        assertThat(AgNewsDownload.baseUrl(null).toString()).isEqualTo(
                System.getProperty(AgNewsDownload.URL_PROPERTY, AgNewsDownload.DEFAULT_BASE_URL));
        assertThatThrownBy(() -> AgNewsDownload.baseUrl("ftp://host/")).isInstanceOf(InvalidOptionException.class)
                .hasMessage("url must be an http or https URL, received: ftp://host/");
        assertThat(AgNewsDownload.MD5).containsExactly(Map.entry("classes.txt", "eb57fd781a350c341c55d4dcfc46782a"),
                Map.entry("test.csv", "d52ea96a97a2d943681189a97654912d"), Map.entry("train.csv", "b1a00f826fdfbd249f79597b59e1dc12"));
        assertThat(Arrays.asList(Download.Outcome.values())).hasSize(3);
    }
}
