// One model name of the server: its file and the generation now serving it. A reload builds a new
// generation beside the old one and swaps the reference, so a request always runs on one whole
// generation; the old one is shut down once its queued and running work has drained.
package org.jrnn.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.jrnn.serve.BatchingClassifier;
import org.jrnn.serve.Classifier;
import org.jrnn.serve.OverloadedException;
import org.jrnn.serve.Prediction;
import org.jrnn.text.TextVectorizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class ServedModel {
    private static final Logger LOG = LoggerFactory.getLogger(ServedModel.class);

    /**
     * A loaded model and its batching engine. {@code stamp} is the file's modification time and size
     * when it was read (what --watch compares).
     */
    record Generation(Classifier classifier, BatchingClassifier batching, double loadSeconds, double warmUpSeconds, FileStamp stamp) {}

    /** What --watch compares; the file key (device and inode) changes on every atomic rename-over, same size and second or not. */
    record FileStamp(long modifiedMillis, long size, Object fileKey) {
        static FileStamp of(Path file) {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileStamp(a.lastModifiedTime().toMillis(), a.size(), a.fileKey());
            } catch (IOException e) {
                return new FileStamp(-1, -1, null);
            }
        }
    }

    final String name;
    final Path file;
    private final BatchingClassifier.Options options;
    private final BatchingClassifier.Listener listener;
    private final Duration drain;
    private final AtomicReference<Generation> current = new AtomicReference<>();
    /** The stamp of the last file a reload refused, so --watch logs a bad file once, not every second. */
    private volatile FileStamp refused;

    ServedModel(String name, Path file, BatchingClassifier.Options options, BatchingClassifier.Listener listener, Duration drain) {
        this.name = name;
        this.file = file;
        this.options = options;
        this.listener = listener;
        this.drain = drain;
    }

    Generation current() {
        return current.get();
    }

    /**
     * Reads the file, warms the new model up and swaps it in; the old generation drains in the
     * background. On any failure (unreadable or invalid file) nothing changes and the exception
     * propagates: a {@link org.jrnn.errors.UserInputException} names the file.
     */
    synchronized Generation load(Duration warmUp) throws IOException {
        FileStamp stamp = FileStamp.of(file);
        long t0 = System.nanoTime();
        Classifier c;
        try {
            c = Classifier.load(file);
        } catch (IOException | RuntimeException e) {
            refused = stamp;
            throw e;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long w0 = System.nanoTime();
        warmUp(c, warmUp);
        double warmSeconds = (System.nanoTime() - w0) / 1e9;
        Generation next = new Generation(c, new BatchingClassifier(c, options, listener), seconds, warmSeconds, stamp);
        Generation old = current.getAndSet(next);
        refused = null;
        if (old != null) {
            Thread t = new Thread(() -> old.batching().shutdown(drain), "jrnn-drain-" + name);
            t.setDaemon(true);
            t.start();
        }
        return next;
    }

    /** True when the file on disk differs from the one serving and from the last one refused. */
    boolean fileChanged() {
        FileStamp now = FileStamp.of(file);
        Generation g = current.get();
        return now.size() >= 0 && (g == null || !now.equals(g.stamp())) && !now.equals(refused);
    }

    CompletableFuture<List<Prediction>> submit(List<String> texts) {
        return retryOnSwap(g -> g.batching().submit(texts));
    }

    CompletableFuture<Prediction> submitExplain(String text) {
        return retryOnSwap(g -> g.batching().submitExplain(text));
    }

    /**
     * Submits to the current generation; if that generation was shut down by a reload between
     * reading the reference and submitting, submits again to its successor (a reload loses no request).
     */
    private <T> CompletableFuture<T> retryOnSwap(java.util.function.Function<Generation, CompletableFuture<T>> submit) {
        Generation g = current.get();
        return submit.apply(g).handle((v, e) -> {
            if (e == null) return CompletableFuture.completedFuture(v);
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof OverloadedException o && o.reason() == OverloadedException.Reason.SHUT_DOWN && current.get() != g) {
                return retryOnSwap(submit);
            }
            return CompletableFuture.<T>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    void shutdown(Duration wait) {
        Generation g = current.get();
        if (g != null) g.batching().shutdown(wait);
    }

    /**
     * Runs batches of vocabulary words through the model for about {@code budget}, so the JIT has
     * compiled the inference path before the server reports ready. Texts of 1 to 64 words in batches
     * of 1 to 64 texts: the shapes the batching engine produces.
     */
    static void warmUp(Classifier c, Duration budget) {
        TextVectorizer v = c.savedModel().vectorizer();
        int words = Math.max(0, Math.min(v.size() - 2, 200));
        List<String> vocab = new ArrayList<>();
        for (int i = 0; i < words; i++) vocab.add(v.vocabulary().get(i + 2)); // past padding and [UNK]
        if (vocab.isEmpty()) vocab.add("warm");
        long end = System.nanoTime() + budget.toNanos();
        int round = 0;
        do {
            int texts = 1 << (round % 7);
            List<String> batch = new ArrayList<>(texts);
            for (int t = 0; t < texts; t++) {
                StringBuilder s = new StringBuilder();
                int len = 1 + (round * 31 + t * 7) % 64;
                for (int w = 0; w < len; w++) s.append(vocab.get((round + t * 13 + w * 3) % vocab.size())).append(' ');
                batch.add(s.toString());
            }
            c.predictBatch(batch);
            round++;
        } while (System.nanoTime() < end);
        LOG.debug("warmed up with {} batches", round);
    }
}
