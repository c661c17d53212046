package org.jrnn.server;

// Many clients at once: every answer equals Classifier.predictBatch for the same texts (batching
// across requests changes nothing), and hot reloads under that load, through the repository route
// and through --watch, lose no request; a bad file is refused and the old model keeps serving.

import static org.assertj.core.api.Assertions.assertThat;
import static org.jrnn.server.TestServers.inferBody;
import static org.jrnn.server.TestServers.post;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jrnn.files.AtomicFiles;
import org.jrnn.io.ModelFile;
import org.jrnn.io.TestModels;
import org.jrnn.serve.Classifier;
import org.jrnn.serve.Prediction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadTest {
    /** Labels and probabilities of an infer answer, text by text. */
    record Answer(List<String> labels, List<Float> probabilities) {
        static Answer of(JsonNode j) {
            List<String> labels = new ArrayList<>();
            List<Float> probs = new ArrayList<>();
            j.get("outputs").get(1).get("data").forEach(n -> labels.add(n.textValue()));
            j.get("outputs").get(0).get("data").forEach(n -> probs.add(n.floatValue()));
            return new Answer(labels, probs);
        }

        static Answer of(List<Prediction> ps) {
            List<String> labels = new ArrayList<>();
            List<Float> probs = new ArrayList<>();
            for (Prediction p : ps) {
                labels.add(p.label());
                for (Double v : p.probabilities()) probs.add(v.floatValue());
            }
            return new Answer(labels, probs);
        }
    }

    @Test
    void thirtyTwoClientsGetWhatPredictBatchGives(@TempDir Path dir) throws Exception {
        Path f = TestServers.model(dir, "tiny", 7);
        Classifier reference = Classifier.load(f);
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try (JrnnServer s = TestServers.builder(f).build().start()) {
            List<Future<Integer>> done = new ArrayList<>();
            for (int c = 0; c < 32; c++) {
                int client = c;
                done.add(clients.submit(() -> {
                    for (int i = 0; i < 25; i++) {
                        List<String> texts = TestServers.texts(1 + (client + i) % 4, client * 1000L + i);
                        TestServers.Reply r = post(s, "/v2/models/tiny/infer", inferBody(texts, null));
                        assertThat(r.status()).as(r.body()).isEqualTo(200);
                        assertThat(Answer.of(r.json())).isEqualTo(Answer.of(reference.predictBatch(texts)));
                    }
                    return 25;
                }));
            }
            int total = 0;
            for (Future<Integer> d : done) total += d.get();
            assertThat(total).isEqualTo(32 * 25);
            // The batch histogram counts every text exactly once, however requests were grouped.
            long texts = 0;
            for (int c = 0; c < 32; c++) for (int i = 0; i < 25; i++) texts += 1 + (c + i) % 4;
            String metrics = TestServers.get(s, "/metrics").body();
            assertThat(metrics).contains("\njrnn_batch_texts_sum{model=\"tiny\"} " + texts + "\n");
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void reloadsUnderLoadLoseNoRequestAndABadFileIsRefused(@TempDir Path dir) throws Exception {
        Path f = TestServers.model(dir, "tiny", 7);
        byte[] modelA = java.nio.file.Files.readAllBytes(f);
        byte[] modelB = java.nio.file.Files.readAllBytes(TestServers.model(dir, "b", 9));
        Classifier a = Classifier.load(f);
        Classifier b = Classifier.load(dir.resolve("b.jrnn"));
        List<String> texts = List.of("the team wins the match", "bank shares profit", "election minister war talks");
        Answer fromA = Answer.of(a.predictBatch(texts));
        Answer fromB = Answer.of(b.predictBatch(texts));
        assertThat(fromA).isNotEqualTo(fromB); // else a swap would go unseen

        ExecutorService clients = Executors.newFixedThreadPool(16);
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Answer> seen = new ConcurrentLinkedQueue<>();
        try (JrnnServer s = TestServers.builder(f).build().start()) {
            List<Future<Integer>> done = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                done.add(clients.submit(() -> {
                    int n = 0;
                    while (!stop.get()) {
                        TestServers.Reply r = post(s, "/v2/models/tiny/infer", inferBody(texts, null));
                        n++;
                        if (r.status() != 200) failures.add(r.status() + " " + r.body());
                        else seen.add(Answer.of(r.json()));
                    }
                    return n;
                }));
            }
            for (int swap = 0; swap < 6; swap++) {
                AtomicFiles.write(f, swap % 2 == 0 ? modelB : modelA);
                TestServers.Reply r = post(s, "/v2/repository/models/tiny/load", "");
                assertThat(r.status()).as(r.body()).isEqualTo(200);
            }
            // Last swap (5) wrote A. A bad file is refused; A keeps serving.
            AtomicFiles.write(f, "not a model".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            TestServers.Reply bad = post(s, "/v2/repository/models/tiny/load", "").isError(400);
            assertThat(bad.error()).startsWith("model 'tiny' not reloaded, still serving the previous one: ").contains(f.toString());
            stop.set(true);
            int requests = 0;
            for (Future<Integer> d : done) requests += d.get();
            assertThat(failures).isEmpty();
            assertThat(requests).isGreaterThan(16);
            assertThat(seen).allSatisfy(ans -> assertThat(ans).isIn(fromA, fromB));
            assertThat(seen).contains(fromB);
            assertThat(Answer.of(post(s, "/v2/models/tiny/infer", inferBody(texts, null)).json())).isEqualTo(fromA);
        } finally {
            stop.set(true);
            clients.shutdownNow();
        }
    }

    @Test
    void watchReloadsAChangedFileAndKeepsServingPastABadOne(@TempDir Path dir) throws Exception {
        Path f = TestServers.model(dir, "tiny", 7);
        List<String> texts = List.of("the team wins the match", "bank shares profit", "election minister war talks");
        try (JrnnServer s = TestServers.builder(f).watch(true).build().start()) {
            ModelFile.save(f, TestModels.tiny(9));
            Answer fromB = Answer.of(Classifier.load(f).predictBatch(texts));
            assertThat(eventually(s, texts, fromB)).as("the changed file is served within 20 s").isTrue();
            AtomicFiles.write(f, "not a model".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            Thread.sleep(2500); // the watcher polls every second: give it two tries at the bad file
            TestServers.Reply r = post(s, "/v2/models/tiny/infer", inferBody(texts, null));
            assertThat(r.status()).isEqualTo(200);
            assertThat(Answer.of(r.json())).isEqualTo(fromB);
        }
    }

    private static boolean eventually(JrnnServer s, List<String> texts, Answer expected) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            if (Answer.of(post(s, "/v2/models/tiny/infer", inferBody(texts, null)).json()).equals(expected)) return true;
            Thread.sleep(100);
        }
        return false;
    }
}
