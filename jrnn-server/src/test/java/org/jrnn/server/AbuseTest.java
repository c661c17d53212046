package org.jrnn.server;

// Hostile and broken requests: each gets a clean one-line {"error"} answer or a closed connection,
// never a stack trace, and the server keeps answering a normal client afterwards.

import static org.assertj.core.api.Assertions.assertThat;
import static org.jrnn.server.TestServers.inferBody;
import static org.jrnn.server.TestServers.post;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jrnn.serve.BatchingClassifier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AbuseTest {
    static final int MAX_BODY = 2000;

    @TempDir
    static Path dir;
    static Path modelFile;
    static JrnnServer server;

    @BeforeAll
    static void start() throws Exception {
        modelFile = TestServers.model(dir, "tiny", 7);
        server = TestServers.builder(modelFile).maxBodyBytes(MAX_BODY).maxTexts(20).maxTextChars(50).idleTimeout(Duration.ofMillis(700))
                .build().start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @AfterEach
    void stillServesANormalClient() {
        TestServers.Reply r = post(server, "/v2/models/tiny/infer", inferBody(List.of("the team wins"), null));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{|malformed JSON: Unexpected end-of-input",
        "[]|body must be a JSON object",
        "nul|malformed JSON",
        "{} x|malformed JSON",
        "{\"inputs\": 3}|inputs must be a list of one tensor named 'text', received a number",
        "{\"inputs\": []}|inputs must hold exactly one tensor, named 'text', received 0",
        "{\"inputs\": [{\"name\":\"txt\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"a\"]}]}|inputs[0].name must be 'text', received \"txt\"",
        "{\"inputs\": [{\"name\":\"text\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[\"a\"]}]}|inputs[0].datatype must be 'BYTES', received \"FP32\"",
        "{\"inputs\": [{\"name\":\"text\",\"shape\":[2],\"datatype\":\"BYTES\",\"data\":[\"a\"]}]}|inputs[0].data has 1 elements, shape says 2",
        "{\"inputs\": [{\"name\":\"text\",\"shape\":[\"1\"],\"datatype\":\"BYTES\",\"data\":[\"a\"]}]}|inputs[0].shape must be [n]",
        "{\"inputs\": [{\"name\":\"text\",\"shape\":[1.5],\"datatype\":\"BYTES\",\"data\":[\"a\"]}]}|inputs[0].shape must be [n]",
        "{\"inputs\": [{\"name\":\"text\",\"shape\":[4],\"datatype\":\"BYTES\",\"data\":[\"a\",\"b\",\"c\",null]}]}|inputs[0].data[3] must be a string, received null",
        "{\"inputs\": [{\"name\":\"text\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[[\"a\"]]}]}|inputs[0].data[0] must be a string, received a list",
        "{\"inputs\": [{\"name\":\"text\",\"shape\":[21],\"datatype\":\"BYTES\",\"data\":[]}]}|inputs[0].shape: at most 20 texts per request, received 21",
        "{\"inputs\": [{\"name\":\"text\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"0123456789012345678901234567890123456789012345678901\"]}]}|inputs[0].data[0]: text of 52 characters, at most 50",
        "{\"inputs\": [{\"name\":\"text\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"a\"]}], \"outputs\": [{\"name\":\"logits\"}]}|outputs[0].name must be one of",
        "{\"inputs\": [{\"name\":\"text\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"a\"]}], \"parameters\": {\"top_k\": 0}}|parameters.top_k must be an integer >= 1, received 0",
        "{\"inputs\": [{\"name\":\"text\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"a\"]}], \"parameters\": {\"explain\": \"yes\"}}|parameters.explain must be true or false",
        "{\"id\": 5, \"inputs\": []}|id must be a string, received a number",
        "{\"inputs\": 1, \"inputs\": 2}|malformed JSON: Duplicate field 'inputs'",
    })
    void malformedOrWronglyTypedBodiesAre400NamingTheField(String body, String message) {
        assertThat(post(server, "/v2/models/tiny/infer", body).isError(400).error()).startsWith(message);
    }

    @Test
    void deepNestingIsRefusedWithoutRecursingIntoIt() {
        String deep = "{\"a\":" + "[".repeat(900) + "]".repeat(900) + "}";
        assertThat(post(server, "/v2/models/tiny/infer", deep).isError(400).error()).contains("nesting depth");
    }

    @Test
    void invalidUtf8IsRefused() {
        for (byte[] bad : List.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xFF})) {
            byte[] head = "{\"inputs\":[{\"name\":\"text\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"caf".getBytes(StandardCharsets.UTF_8);
            byte[] tail = "\"]}]}".getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(head);
            b.writeBytes(bad);
            b.writeBytes(tail);
            assertThat(post(server, "/v2/models/tiny/infer", b.toByteArray(), "application/json").isError(400).error()).isEqualTo("body is not valid UTF-8");
        }
        byte[] fine = inferBody(List.of("café crème"), null).getBytes(StandardCharsets.UTF_8);
        assertThat(post(server, "/v2/models/tiny/infer", fine, "application/json").status()).isEqualTo(200);
    }

    @Test
    void aBodyOverTheLimitIs413WithOrWithoutContentLength() {
        byte[] big = ("{\"inputs\":\"" + "x".repeat(MAX_BODY) + "\"}").getBytes(StandardCharsets.UTF_8);
        TestServers.Reply declared = post(server, "/predictions/tiny", big, "application/json"); // ofByteArray sends Content-Length
        declared.isError(413);
        assertThat(declared.error()).isEqualTo("body over " + MAX_BODY + " bytes");
        // A stream of unknown length goes chunked: refused once it grows past the limit.
        TestServers.Reply chunked = TestServers.send(HttpRequest.newBuilder(TestServers.uri(server, "/predictions/tiny"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build());
        chunked.isError(413);
    }

    @Test
    void unknownModelAndRoute() {
        assertThat(post(server, "/v2/models/nope/infer", inferBody(List.of("a"), null)).isError(404).error()).isEqualTo("unknown model 'nope'");
        TestServers.get(server, "/v2/models/tiny/../../etc/passwd").isError(404);
    }

    @Test
    void jettysOwnErrorsAreJsonToo() throws Exception {
        String bad = exchange("GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", false);
        assertThat(bad).startsWith("HTTP/1.1 400").contains("application/json").contains("{\"error\":");
        TestServers.assertNoTrace(bad.substring(bad.indexOf("\r\n\r\n") + 4));
        String huge = exchange("GET /v2 HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n", false);
        assertThat(huge).startsWith("HTTP/1.1 431").contains("{\"error\":");
        assertThat(huge).doesNotContain("Exception").doesNotContain("at org.");
    }

    @Test
    void aStalledBodyEndsWithTheConnectionClosedAfterTheReadTimeout() throws Exception {
        String head = "POST /predictions/tiny HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"inputs\":";
        String reply = exchange(head, false); // sends part of the body, then waits: the server gives up at its idle timeout
        assertThat(reply).startsWith("HTTP/1.1 408").contains("{\"error\":\"request body not received within the read timeout\"}");
    }

    @Test
    void aTruncatedBodyGetsAnErrorOrAClosedConnection() throws Exception {
        String head = "POST /predictions/tiny HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"inputs\":";
        String reply = exchange(head, true); // half-close after part of the body
        assertThat(reply).satisfiesAnyOf(r -> assertThat(r).isEmpty(), r -> assertThat(r).startsWith("HTTP/1.1 400"));
        TestServers.assertNoTrace(reply.contains("\r\n\r\n") ? reply.substring(reply.indexOf("\r\n\r\n") + 4) : reply);
    }

    @Test
    void aFloodOfIdleConnectionsDoesNotStopOthers() throws Exception {
        List<Socket> flood = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                if (i % 2 == 0) s.getOutputStream().write("POST /predictions/tiny HTTP/1.1\r\nHost".getBytes(StandardCharsets.US_ASCII)); // slowloris
                flood.add(s);
            }
            TestServers.Reply r = post(server, "/v2/models/tiny/infer", inferBody(List.of("goal"), null));
            assertThat(r.status()).isEqualTo(200);
        } finally {
            for (Socket s : flood) s.close();
        }
    }

    @Test
    void pastTheConnectionLimitNewClientsWaitUntilIdleOnesAreClosed(@TempDir Path d) throws Exception {
        try (JrnnServer s = TestServers.builder(modelFile).maxConnections(8).idleTimeout(Duration.ofMillis(300)).build().start()) {
            List<Socket> flood = new ArrayList<>();
            try {
                for (int i = 0; i < 16; i++) {
                    Socket sock = new Socket();
                    sock.connect(new InetSocketAddress("127.0.0.1", s.port()), 5000); // completes in the kernel backlog past the limit
                    flood.add(sock);
                }
                TestServers.Reply r = post(s, "/v2/models/tiny/infer", inferBody(List.of("goal"), null));
                assertThat(r.status()).isEqualTo(200);
            } finally {
                for (Socket sock : flood) sock.close();
            }
        }
    }

    @Test
    void aFullQueueAnswers503WithRetryAfter(@TempDir Path d) throws Exception {
        BatchingClassifier.Options tiny = BatchingClassifier.Options.defaults().withMaxQueuedTexts(2).withWorkers(1);
        try (JrnnServer s = TestServers.builder(modelFile).batching(tiny).build().start()) {
            TestServers.Reply r = post(s, "/v2/models/tiny/infer", inferBody(List.of("a", "b", "c"), null)).isError(503);
            assertThat(r.headers().firstValue("retry-after")).hasValue("1");
            assertThat(r.error()).contains("queue is full");
            assertThat(post(s, "/v2/models/tiny/infer", inferBody(List.of("a", "b"), null)).status()).isEqualTo(200);
        }
    }

    @Test
    void aRequestTimedOutInTheQueueAnswers503WithRetryAfter() throws Exception {
        BatchingClassifier.Options expired = BatchingClassifier.Options.defaults().withTimeout(Duration.ofNanos(1)).withMaxWait(Duration.ofMillis(5));
        try (JrnnServer s = TestServers.builder(modelFile).batching(expired).build().start()) {
            TestServers.Reply r = post(s, "/v2/models/tiny/infer", inferBody(List.of("a"), null)).isError(503);
            assertThat(r.headers().firstValue("retry-after")).hasValue("1");
            assertThat(r.error()).contains("timed out in the queue");
        }
    }

    @Test
    void explainIsBoundedPerRequest() {
        List<String> many = java.util.Collections.nCopies(Protocol.MAX_EXPLAIN_TEXTS + 1, "goal");
        {
            JrnnServer s = server;
            assertThat(post(s, "/v2/models/tiny/infer", inferBody(many, "\"parameters\":{\"explain\":true}")).isError(400).error())
                    .isEqualTo("parameters.explain: at most 16 texts per request, received 17");
        }
    }

    /**
     * Writes {@code request} on a raw socket (optionally half-closing), reads until the server closes
     * the connection; fails if it is still open after 20 s.
     */
    static String exchange(String request, boolean halfClose) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(20_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            if (halfClose) s.shutdownOutput();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) out.write(buf, 0, n);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("connection still open after 20 s; received: " + out.toString(StandardCharsets.ISO_8859_1));
            } catch (java.net.SocketException e) {
                // reset by the server: the connection is closed either way
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
