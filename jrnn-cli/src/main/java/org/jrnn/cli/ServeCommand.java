package org.jrnn.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jrnn.errors.UserInputException;
import org.jrnn.serve.BatchingClassifier;
import org.jrnn.server.JrnnServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jrnn serve}: options → {@link JrnnServer} → one startup line → serve until SIGTERM. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve models over HTTP: Open Inference Protocol v2 REST (POST",
                "/v2/models/NAME/infer) and POST /predictions/NAME for classifiers and taggers",
                "(train --task tag), the generate extension (POST /v2/models/NAME/generate and",
                "/generate_stream) for language models (train --task lm); the file says which.",
                "On-the-fly batching, /metrics (Prometheus), hot reload and graceful shutdown on",
                "SIGTERM. See README \"Serving a model\"."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME=FILE.jrnn",
            description = "A model to serve under NAME (repeatable). FILE alone serves it under its file name without .jrnn.")
    List<String> models = new ArrayList<>();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Interface to listen on (default ${DEFAULT-VALUE}; anything else is reachable from other machines).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--max-batch", defaultValue = "64", paramLabel = "TEXTS", description = "Most texts run in one batch (default ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--batch-wait-ms", defaultValue = "0", paramLabel = "MS", description = "Longest wait for more requests to fill a batch once requests are queuing; a lone request never waits (default ${DEFAULT-VALUE}: batches form from the requests that queue while the workers are busy).")
    long batchWaitMs;

    @Option(names = "--max-queue", defaultValue = "4096", paramLabel = "TEXTS", description = "Texts waiting per model before answering 503 (default ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--timeout-ms", defaultValue = "10000", paramLabel = "MS", description = "A request still queued after this answers 503 (default ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--workers", paramLabel = "N", description = "Inference threads per model (default: the number of processors).")
    Integer workers;

    @Option(names = "--max-body-bytes", defaultValue = "1048576", paramLabel = "N", description = "Largest request body (default ${DEFAULT-VALUE}); more is 413.")
    int maxBodyBytes;

    @Option(names = "--max-texts", defaultValue = "256", paramLabel = "N", description = "Most texts per request (default ${DEFAULT-VALUE}).")
    int maxTexts;

    @Option(names = "--max-text-chars", defaultValue = "20000", paramLabel = "N", description = "Longest text in characters (default ${DEFAULT-VALUE}).")
    int maxTextChars;

    @Option(names = "--max-generate-tokens", defaultValue = "512", paramLabel = "N", description = "Most tokens a language model generates per request (max_tokens; default ${DEFAULT-VALUE}); more is 400.")
    int maxGenerateTokens;

    @Option(names = "--auth-token-file", paramLabel = "FILE", description = "Require 'Authorization: Bearer TOKEN' (the file's trimmed content) on all routes but /v2/health/*.")
    Path authTokenFile;

    @Option(names = "--access-log", description = "Print one JSON line per request to standard output.")
    boolean accessLog;

    @Option(names = "--watch", description = "Reload a model when its file changes (checked every second); a bad file is refused and logged.")
    boolean watch;

    @Option(names = "--drain-seconds", defaultValue = "10", paramLabel = "S", description = "On SIGTERM, wait this long for in-flight requests (default ${DEFAULT-VALUE}).")
    long drainSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        // The engine's Options refuses these with IllegalArgumentException (a bug to the CLI): check the flags first.
        if (maxBatch < 1) throw new UserInputException("--max-batch must be >= 1, received: " + maxBatch);
        if (batchWaitMs < 0 || batchWaitMs > 1000) throw new UserInputException("--batch-wait-ms must be in [0, 1000], received: " + batchWaitMs);
        if (maxQueue < 1) throw new UserInputException("--max-queue must be >= 1, received: " + maxQueue);
        if (timeoutMs < 1) throw new UserInputException("--timeout-ms must be >= 1, received: " + timeoutMs);
        if (workers != null && workers < 1) throw new UserInputException("--workers must be >= 1, received: " + workers);
        BatchingClassifier.Options batching = BatchingClassifier.Options.defaults().withMaxBatchTexts(maxBatch)
                .withMaxWait(Duration.ofMillis(batchWaitMs)).withMaxQueuedTexts(maxQueue).withTimeout(Duration.ofMillis(timeoutMs));
        if (workers != null) batching = batching.withWorkers(workers);
        if (drainSeconds < 0) throw new UserInputException("--drain-seconds must be >= 0, received: " + drainSeconds);
        JrnnServer.Builder b = JrnnServer.builder().host(host).port(port).batching(batching).maxBodyBytes(maxBodyBytes).maxTexts(maxTexts)
                .maxTextChars(maxTextChars).maxGenerateTokens(maxGenerateTokens).watch(watch).drain(Duration.ofSeconds(drainSeconds));
        for (String m : models) {
            int eq = m.indexOf('=');
            Path file = Path.of(eq < 0 ? m : m.substring(eq + 1));
            String name = eq < 0 ? file.getFileName().toString().replaceFirst("\\.jrnn$", "") : m.substring(0, eq);
            b.model(name, file);
        }
        if (authTokenFile != null) b.authToken(readToken(authTokenFile));
        // Access-log lines share standard output with the startup line: one UTF-8 stream, autoflush.
        if (accessLog) b.accessLog(new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.UTF_8));
        JrnnServer server = b.build();
        server.start();
        if (server.isExposed()) {
            spec.commandLine().getErr().println("jrnn serve: warning: listening on " + host + ", reachable from other machines"
                    + (authTokenFile == null ? " without authentication" : ""));
        }
        double readySeconds = ProcessHandle.current().info().startInstant()
                .map(t -> Duration.between(t, Instant.now()).toMillis() / 1e3).orElse(Double.NaN);
        out.printf(Locale.ROOT, "jrnn serve: %s (models: %s; %s; ready %.2f s after JVM start, %.2f s of it JIT warm-up)%n",
                server.uri(), String.join(", ", server.modelNames()), authTokenFile == null ? "unauthenticated" : "bearer token required",
                readySeconds, server.warmUpSeconds());
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boolean drained = server.stop(Duration.ofSeconds(drainSeconds));
            out.println("jrnn serve: stopped" + (drained ? "" : " (in-flight requests cut after --drain-seconds)"));
            out.flush();
            stopped.countDown();
            // SIGTERM would end the JVM with status 143; a clean drain is a clean exit for a supervisor.
            Runtime.getRuntime().halt(drained ? 0 : 1);
        }, "jrnn-serve-stop"));
        stopped.await();
        return 0;
    }

    /** The token is the file's content, trimmed; an empty one would accept "Bearer " and is refused. */
    static String readToken(Path file) throws IOException {
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            throw new UserInputException(file + ": auth token file not found");
        } catch (java.nio.charset.MalformedInputException e) {
            throw new UserInputException(file + ": auth token file is not UTF-8 text");
        }
        if (token.isEmpty()) throw new UserInputException(file + ": auth token file is empty");
        return token;
    }
}
