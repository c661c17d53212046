// One model name of the server: its file and the generation now serving it. A reload builds a new
// generation beside the old one and swaps the reference, so a request always runs on one whole
// generation; the old one is shut down once its queued and running work has drained. A generation is
// a classifier (batched across requests), a tagger or a language model (each request on a WorkQueue
// worker); the file says which, and a reload may change it.
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
import java.util.function.BooleanSupplier;
import org.jrnn.io.ModelFile;
import org.jrnn.io.SavedModel;
import org.jrnn.serve.BatchingClassifier;
import org.jrnn.serve.Classifier;
import org.jrnn.serve.Generator;
import org.jrnn.serve.OverloadedException;
import org.jrnn.serve.Prediction;
import org.jrnn.serve.Tagger;
import org.jrnn.text.TextVectorizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

final class ServedModel {
    private static final Logger LOG = LoggerFactory.getLogger(ServedModel.class);

    /** What a model file holds, as the routes name it in their errors. */
    enum Kind {
        CLASSIFIER("a classifier"), TAGGER("a tagger"), LANGUAGE_MODEL("a language model");

        final String article;

        Kind(String article) {
            this.article = article;
        }
    }

    /**
     * A loaded model and its engine: {@code classifier} and {@code batching} for a classifier,
     * {@code tagger} or {@code generator} and {@code work} otherwise (the others null). {@code stamp}
     * is the file's modification time and size when it was read (what --watch compares).
     */
    record Generation(Kind kind, Classifier classifier, BatchingClassifier batching, Tagger tagger, Generator generator, WorkQueue work,
                      double loadSeconds, double warmUpSeconds, FileStamp stamp) {
        /** Texts (a generation: prompts) waiting for a worker. */
        int queued() {
            return batching != null ? batching.queuedTexts() : work.queuedUnits();
        }

        boolean shutdown(Duration wait) {
            return batching != null ? batching.shutdown(wait) : work.shutdown(wait);
        }
    }

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
    private final WorkQueue.Listener workListener;
    private final Duration drain;
    private final AtomicReference<Generation> current = new AtomicReference<>();
    /** The stamp of the last file a reload refused, so --watch logs a bad file once, not every second. */
    private volatile FileStamp refused;

    ServedModel(String name, Path file, BatchingClassifier.Options options, BatchingClassifier.Listener listener,
                WorkQueue.Listener workListener, Duration drain) {
        this.name = name;
        this.file = file;
        this.options = options;
        this.listener = listener;
        this.workListener = workListener;
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
        Kind kind;
        Classifier c = null;
        Tagger t = null;
        Generator lm = null;
        try {
            if (ModelFile.isLanguageModel(file)) {
                kind = Kind.LANGUAGE_MODEL;
                lm = Generator.load(file);
            } else {
                SavedModel saved = ModelFile.load(file);
                kind = saved.task() == SavedModel.Task.TAG ? Kind.TAGGER : Kind.CLASSIFIER;
                if (kind == Kind.TAGGER) t = new Tagger(saved);
                else c = new Classifier(saved);
            }
        } catch (IOException | RuntimeException e) {
            refused = stamp;
            throw e;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long w0 = System.nanoTime();
        if (c != null) warmUp(c, warmUp);
        else if (t != null) warmUp(t, warmUp);
        else warmUp(lm, warmUp);
        double warmSeconds = (System.nanoTime() - w0) / 1e9;
        Generation next = c != null
                ? new Generation(kind, c, new BatchingClassifier(c, options, listener), null, null, null, seconds, warmSeconds, stamp)
                : new Generation(kind, null, null, t, lm, new WorkQueue(name.replaceAll("[^A-Za-z0-9._-]", "_"), options.workers(),
                        options.maxQueuedTexts(), options.timeout(), workListener), seconds, warmSeconds, stamp);
        Generation old = current.getAndSet(next);
        refused = null;
        if (old != null) {
            Thread th = new Thread(() -> old.shutdown(drain), "jrnn-drain-" + name);
            th.setDaemon(true);
            th.start();
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
        return retryOnSwap(g -> g.kind() != Kind.CLASSIFIER ? wrongKind(g, Kind.CLASSIFIER) : g.batching().submit(texts));
    }

    CompletableFuture<Prediction> submitExplain(String text) {
        return retryOnSwap(g -> g.kind() != Kind.CLASSIFIER ? wrongKind(g, Kind.CLASSIFIER) : g.batching().submitExplain(text));
    }

    /** Tags each text (split by {@link TextVectorizer#splitWords}), in order, on one worker. */
    CompletableFuture<List<Tagger.Tagged>> submitTag(List<String> texts) {
        return retryOnSwap(g -> {
            if (g.kind() != Kind.TAGGER) return wrongKind(g, Kind.TAGGER);
            if (texts.isEmpty()) return CompletableFuture.completedFuture(List.of());
            return g.work().submit(texts.size(), stop -> {
                List<List<String>> sentences = new ArrayList<>(texts.size());
                for (String text : texts) sentences.add(TextVectorizer.splitWords(text));
                return g.tagger().tagTokens(sentences);
            });
        });
    }

    /** A generation task for a language model. */
    interface GenerateTask<T> {
        T run(Generator generator, BooleanSupplier stop);
    }

    /** Runs {@code task} with the language model on one worker (a request counts as one queued text). */
    <T> CompletableFuture<T> submitGenerate(GenerateTask<T> task) {
        return retryOnSwap(g -> g.kind() != Kind.LANGUAGE_MODEL ? wrongKind(g, Kind.LANGUAGE_MODEL)
                : g.work().submit(1, stop -> task.run(g.generator(), stop)));
    }

    /**
     * The route wanted one kind and the generation serving is another: 400 naming the routes that apply
     * (a generate route on a classifier or tagger, an infer route on a language model); 503 when a reload
     * swapped a classifier for a tagger or back between routing and submitting (the client may retry).
     */
    <T> CompletableFuture<T> wrongKind(Generation g, Kind wanted) {
        String why;
        if (g.kind() == Kind.LANGUAGE_MODEL) {
            why = "it generates text; use POST /v2/models/" + name + "/generate or /v2/models/" + name + "/generate_stream";
        } else if (wanted == Kind.LANGUAGE_MODEL) {
            why = "it does not generate text; use POST /v2/models/" + name + "/infer or /predictions/" + name;
        } else {
            return CompletableFuture.failedFuture(new HttpError(503, "model '" + name + "' was reloaded as " + g.kind().article
                    + " during the request; retry", "Retry-After", "1"));
        }
        return CompletableFuture.failedFuture(HttpError.badRequest("model '" + name + "' is " + g.kind().article + ": " + why));
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
        if (g != null) g.shutdown(wait);
    }

    /**
     * Runs batches of vocabulary words through the model for about {@code budget}, so the JIT has
     * compiled the inference path before the server reports ready. Texts of 1 to 64 words in batches
     * of 1 to 64 texts: the shapes the batching engine produces.
     */
    static void warmUp(Classifier c, Duration budget) {
        List<String> vocab = warmUpWords(c.savedModel().vectorizer());
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

    private static List<String> warmUpWords(TextVectorizer v) {
        int words = Math.max(0, Math.min(v.size() - 2, 200));
        List<String> vocab = new ArrayList<>();
        for (int i = 0; i < words; i++) vocab.add(v.vocabulary().get(i + 2)); // past padding and [UNK]
        if (vocab.isEmpty()) vocab.add("warm");
        return vocab;
    }

    /** As for a classifier: sentences of 1 to 64 vocabulary tokens, 1 to 64 per call. */
    static void warmUp(Tagger t, Duration budget) {
        List<String> vocab = warmUpWords(t.savedModel().vectorizer());
        long end = System.nanoTime() + budget.toNanos();
        int round = 0;
        do {
            int texts = 1 << (round % 7);
            List<List<String>> batch = new ArrayList<>(texts);
            for (int s = 0; s < texts; s++) {
                int len = 1 + (round * 31 + s * 7) % 64;
                List<String> tokens = new ArrayList<>(len);
                for (int w = 0; w < len; w++) tokens.add(vocab.get((round + s * 13 + w * 3) % vocab.size()));
                batch.add(tokens);
            }
            t.tagTokens(batch);
            round++;
        } while (System.nanoTime() < end);
    }

    /** Greedy streams of up to 64 tokens from the empty prompt: the prompt read and the step path. */
    static void warmUp(Generator g, Duration budget) {
        long end = System.nanoTime() + budget.toNanos();
        do {
            g.generate("", Generator.Options.greedy(64));
        } while (System.nanoTime() < end);
    }
}
