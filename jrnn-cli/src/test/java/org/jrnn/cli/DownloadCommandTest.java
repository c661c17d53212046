// `jrnn download ag-news` against a loopback server (testing.FakeHttpServer, never the internet), and
// `--data ag-news` in train/evaluate before and after it. The cache is moved with -Djrnn.cache.dir.
package org.jrnn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.jrnn.data.AgNewsDownload;
import org.jrnn.data.Download;
import org.jrnn.testing.FakeHttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DownloadCommandTest {
    static final String TEST = CliTest.GOOD_ROWS;
    static final String TRAIN = CliTest.GOOD_ROWS.repeat(5);
    static final String CLASSES = "World\nSports\nBusiness\nSci/Tech\n";

    static String md5(Path dir, String name, String content) throws Exception {
        Path f = CliTest.write(dir, name, content);
        return Download.md5(f);
    }

    @Test
    void downloadsIntoTheCacheThenDataAgNewsTrainsOnIt(@TempDir Path dir) throws Exception {
        Path sums = Files.createDirectory(dir.resolve("sums"));
        String old = System.getProperty(AgNewsDownload.CACHE_PROPERTY);
        System.setProperty(AgNewsDownload.CACHE_PROPERTY, dir.resolve("cache").toString());
        try (FakeHttpServer server = new FakeHttpServer()) {
            server.file("train.csv", TRAIN).file("test.csv", TEST).file("classes.txt", CLASSES);
            Path model = org.jrnn.io.TestModels.saveTiny(dir);
            CliTest.assertOneLineError(CliTest.run("evaluate", "--model", model.toString(), "--data", "ag-news"), "AG News is not in the cache",
                    "run `jrnn download ag-news` first");
            CliTest.assertOneLineError(CliTest.run("train", "--data", "ag-news", "--quiet"), "AG News is not in the cache",
                    "run `jrnn download ag-news` first");

            CliTest.Run r = CliTest.run("download", "ag-news", "--url", server.base().toString(), "--quiet",
                    "--md5", "train.csv=" + md5(sums, "train.csv", TRAIN), "--md5", "test.csv=" + md5(sums, "test.csv", TEST),
                    "--md5", "classes.txt=" + md5(sums, "classes.txt", CLASSES));
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("train.csv", "downloaded, md5 ok").contains("AG News is ready: jrnn train --data ag-news");
            Path cache = dir.resolve("cache/ag_news");
            assertThat(Files.readString(cache.resolve("train.csv"))).isEqualTo(TRAIN);

            Path trained = dir.resolve("agnews.jrnn");
            r = CliTest.run("train", "--data", "ag-news", "--epochs", "1", "--quiet", "--out", trained.toString());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("final: val_accuracy");
            r = CliTest.run("evaluate", "--model", trained.toString(), "--data", "ag-news");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains(cache.resolve("test.csv").toString());
        } finally {
            if (old == null) System.clearProperty(AgNewsDownload.CACHE_PROPERTY);
            else System.setProperty(AgNewsDownload.CACHE_PROPERTY, old);
        }
    }

    @Test
    void aChecksumMismatchOrA404IsAOneLineErrorAndLeavesNoFile(@TempDir Path dir) throws Exception {
        try (FakeHttpServer server = new FakeHttpServer()) {
            // fake files against the real AG News checksums: classes.txt (fetched first) cannot match
            server.file("classes.txt", CLASSES + "extra\n");
            Path target = dir.resolve("ag");
            CliTest.Run r = CliTest.run("download", "ag-news", "--url", server.base().toString(), "--dir", target.toString(), "--quiet");
            CliTest.assertOneLineError(r, "classes.txt: checksum mismatch", "expected eb57fd781a350c341c55d4dcfc46782a");
            try (Stream<Path> files = Files.list(target)) {
                assertThat(files).isEmpty();
            }
            r = CliTest.run("download", "ag-news", "--url", server.base().resolve("../other/").toString(), "--dir", target.toString(), "--quiet");
            CliTest.assertOneLineError(r, "classes.txt: " + server.base().resolve("../other/classes.txt"), "HTTP 404 Not Found");
            assertThat(server.requests).hasSize(2);
        }
        CliTest.assertOneLineError(CliTest.run("download", "imdb"), "unknown data set 'imdb'", "ag-news");
        CliTest.assertOneLineError(CliTest.run("download", "ag-news", "--url", "file:///etc/"), "--url must be an http or https URL", "");
    }
}
