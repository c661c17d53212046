package org.jrnn.cli;

// jrnn serve: refusals in-process (bad model file, taken port, empty token file: exit 2, one line),
// and in a child JVM the SIGTERM drain: requests in flight when the signal arrives are all answered
// 200 and the process exits 0.

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jrnn.io.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeCommandTest {

    @Test
    void aMissingOrInvalidModelFileIsOneLineNamingIt(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.jrnn");
        CliTest.Run r = CliTest.run("serve", "--model", "m=" + missing, "--port", "0");
        assertThat(r.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(r.err().strip()).doesNotContain("\n").contains(missing.toString());
        Path garbage = Files.writeString(dir.resolve("bad.jrnn"), "not a model");
        CliTest.Run g = CliTest.run("serve", "--model", "m=" + garbage, "--port", "0");
        assertThat(g.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(g.err().strip()).doesNotContain("\n").contains(garbage.toString()).doesNotContain("Exception");
    }

    @Test
    void aTakenPortAndAnEmptyTokenFileAreRefused(@TempDir Path dir) throws Exception {
        Path model = TestModels.saveTiny(dir);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CliTest.Run r = CliTest.run("serve", "--model", "tiny=" + model, "--port", String.valueOf(taken.getLocalPort()));
            assertThat(r.code()).isEqualTo(Main.EXIT_BAD_INPUT);
            assertThat(r.err().strip()).doesNotContain("\n").contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        Path empty = Files.writeString(dir.resolve("token"), "  \n");
        CliTest.Run t = CliTest.run("serve", "--model", "tiny=" + model, "--port", "0", "--auth-token-file", empty.toString());
        assertThat(t.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(t.err()).contains(empty + ": auth token file is empty");
        CliTest.Run b = CliTest.run("serve", "--model", "tiny=" + model, "--max-batch", "0");
        assertThat(b.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(b.err()).contains("--max-batch must be >= 1");
        CliTest.Run w = CliTest.run("serve", "--model", "tiny=" + model, "--batch-wait-ms", "5000");
        assertThat(w.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(w.err()).contains("--batch-wait-ms must be in [0, 1000], received: 5000");
        CliTest.Run g = CliTest.run("serve", "--model", "tiny=" + model, "--max-generate-tokens", "0");
        assertThat(g.code()).isEqualTo(Main.EXIT_BAD_INPUT);
        assertThat(g.err().strip()).doesNotContain("\n").contains("--max-generate-tokens must be >= 1, received: 0");
    }

    @Test
    void helpSaysTaggersAndLanguageModelsAreServedToo() {
        CliTest.Run h = CliTest.run("serve", "--help");
        assertThat(h.code()).isZero();
        assertThat(h.out().replaceAll("\\s+", " ")).contains("classifiers and taggers").contains("for language models").contains("/generate_stream")
                .contains("--max-generate-tokens");
    }

    @Test
    void sigtermAnswersEveryRequestInFlightAndExitsZero(@TempDir Path dir) throws Exception {
        Path model = TestModels.saveTiny(dir);
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        // A 1 s batch wait (the engine's longest) with room for 64 texts: once requests queue, the batch
        // waits for more, so most of 8 concurrent requests are held while SIGTERM comes (a request that
        // finds the engine idle runs at once, unheld); the engine then runs the batch and the server
        // answers before exiting.
        Process p = new ProcessBuilder(ProcessTest.jrnn(List.of("-Xmx256m"), "serve", "--model", "tiny=" + model, "--port", "0",
                "--batch-wait-ms", "1000", "--drain-seconds", "20"))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            String port = null;
            for (int i = 0; i < 600 && port == null; i++) { // up to 60 s on a loaded machine
                Matcher m = Pattern.compile("jrnn serve: http://127\\.0\\.0\\.1:(\\d+) \\(models: tiny; unauthenticated;").matcher(Files.readString(out));
                if (m.find()) port = m.group(1);
                else if (!p.isAlive()) throw new AssertionError("serve exited: " + Files.readString(err));
                else Thread.sleep(100);
            }
            assertThat(port).as(Files.readString(err)).isNotNull();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
            boolean held = false;
            // Rounds of 8 until a scrape sees the server hold at least 5 at once (the scrape itself is one
            // more): on a loaded machine a round may be answered before a scrape lands in its 1 s window.
            for (int round = 0; round < 10 && !held; round++) {
                inFlight.clear();
                for (int i = 0; i < 8; i++) {
                    String body = "{\"inputs\": [\"the team wins " + i + "\"]}";
                    inFlight.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/predictions/tiny"))
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)));
                }
                while (!held && !inFlight.stream().allMatch(CompletableFuture::isDone)) {
                    // Counted before the scrape: if the server then holds at least that many (besides the scrape),
                    // every request not yet answered has arrived, so none can meet the stopped server's 503.
                    long outstanding = inFlight.stream().filter(f -> !f.isDone()).count();
                    String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    Matcher f = Pattern.compile("\njrnn_requests_in_flight (\\d+)\n").matcher(metrics);
                    held = f.find() && outstanding >= 5 && Integer.parseInt(f.group(1)) - 1 >= outstanding;
                }
            }
            assertThat(held).as("at least 5 of 8 requests in flight at once, and no other still on its way").isTrue();
            p.destroy(); // SIGTERM
            for (CompletableFuture<HttpResponse<String>> f : inFlight) {
                HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(r.body()).startsWith("[[{\"label\":");
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(err)).isZero();
            assertThat(Files.readString(out)).contains("jrnn serve: stopped");
        } finally {
            p.destroyForcibly();
        }
    }
}
