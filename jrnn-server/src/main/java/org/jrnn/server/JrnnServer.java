// jrnn's model server as a library: models by name, limits, batching, auth, access log, hot reload,
// graceful stop. `jrnn serve` is a thin command over this; a Java service can embed it the same way:
//   JrnnServer s = JrnnServer.builder().model("news", Path.of("news.jrnn")).port(0).build().start();
//   s.port(); ... s.close();
// Not a model store: each name serves one file, reloaded in place.
package org.jrnn.server;

import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jrnn.errors.InvalidOptionException;
import org.jrnn.errors.UserInputException;
import org.jrnn.serve.BatchingClassifier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server for {@code .jrnn} models (classifiers, taggers, language models): Open Inference
 * Protocol v2 REST with its generate extension, and {@code /predictions/{name}}.
 * Order of use: {@link #builder()}, {@link Builder#build()}, {@link #start()} (binds, loads and warms up
 * every model, then reports ready), {@link #port()}, {@link #stop(Duration)} or {@link #close()}.
 */
public final class JrnnServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JrnnServer.class);

    /** The server's settings; {@link Builder} fills and checks them. */
    public record Config(Map<String, Path> models, String host, int port, int maxBodyBytes, int maxTexts, int maxTextChars,
                         BatchingClassifier.Options batching, String authToken, PrintStream accessLog, Duration idleTimeout,
                         int maxConnections, int maxThreads, Duration drain, boolean watch, Duration warmUp, int maxGenerateTokens) {}

    public static Builder builder() {
        return new Builder();
    }

    /** Settings with safe defaults: loopback, port 8080, 1 MiB bodies, 256 texts of 20,000 characters. */
    public static final class Builder {
        private final Map<String, Path> models = new LinkedHashMap<>();
        private String host = "127.0.0.1";
        private int port = 8080;
        private int maxBodyBytes = 1 << 20;
        private int maxTexts = 256;
        private int maxTextChars = 20_000;
        private BatchingClassifier.Options batching = BatchingClassifier.Options.defaults();
        private String authToken;
        private PrintStream accessLog;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private int maxConnections = 1024;
        private int maxThreads = 32;
        private Duration drain = Duration.ofSeconds(10);
        private boolean watch;
        private Duration warmUp = Duration.ofMillis(400);
        private int maxGenerateTokens = 512;

        private Builder() {}

        /** Serves {@code file} as {@code name} (letters, digits, '.', '_', '-'). */
        public Builder model(String name, Path file) {
            if (name == null || !name.matches("[A-Za-z0-9._-]{1,100}")) {
                throw InvalidOptionException.of("model", "name must be 1-100 letters, digits, '.', '_' or '-', received: '" + name + "'");
            }
            if (models.putIfAbsent(name, file) != null) throw InvalidOptionException.of("model", "name '" + name + "' given twice");
            return this;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** 0 picks a free port ({@link JrnnServer#port()} tells which). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder maxBodyBytes(int n) {
            this.maxBodyBytes = n;
            return this;
        }

        public Builder maxTexts(int n) {
            this.maxTexts = n;
            return this;
        }

        public Builder maxTextChars(int n) {
            this.maxTextChars = n;
            return this;
        }

        public Builder batching(BatchingClassifier.Options options) {
            this.batching = options;
            return this;
        }

        /** Requires {@code Authorization: Bearer <token>} on every route but the health checks; null for none. */
        public Builder authToken(String token) {
            this.authToken = token;
            return this;
        }

        /** One JSON line per request to {@code out}; null (the default) for none. */
        public Builder accessLog(PrintStream out) {
            this.accessLog = out;
            return this;
        }

        /** A connection idle this long (a stalled body included) is closed. */
        public Builder idleTimeout(Duration d) {
            this.idleTimeout = d;
            return this;
        }

        public Builder maxConnections(int n) {
            this.maxConnections = n;
            return this;
        }

        public Builder maxThreads(int n) {
            this.maxThreads = n;
            return this;
        }

        /** How long {@link JrnnServer#close()} waits for in-flight requests. */
        public Builder drain(Duration d) {
            this.drain = d;
            return this;
        }

        /** Polls each model file every second and reloads it when it changes. */
        public Builder watch(boolean watch) {
            this.watch = watch;
            return this;
        }

        /** Time spent running each model before reporting ready, so the JIT has compiled it. */
        public Builder warmUp(Duration d) {
            this.warmUp = d;
            return this;
        }

        /** Most tokens one generate request may ask for ({@code max_tokens}); more is 400. */
        public Builder maxGenerateTokens(int n) {
            this.maxGenerateTokens = n;
            return this;
        }

        public JrnnServer build() {
            if (models.isEmpty()) throw InvalidOptionException.of("model", "is required: give at least one model");
            if (port < 0 || port > 65535) throw InvalidOptionException.of("port", "must be in [0, 65535], received: " + port);
            positive("maxBodyBytes", maxBodyBytes);
            positive("maxTexts", maxTexts);
            positive("maxTextChars", maxTextChars);
            positive("maxConnections", maxConnections);
            positive("maxGenerateTokens", maxGenerateTokens);
            if (maxThreads < 4) throw InvalidOptionException.of("maxThreads", "must be >= 4, received: " + maxThreads);
            positive("maxBatchTexts", batching.maxBatchTexts());
            positive("maxQueuedTexts", batching.maxQueuedTexts());
            positive("workers", batching.workers());
            nonNegative("maxWait", batching.maxWait());
            nonNegative("drain", drain);
            nonNegative("warmUp", warmUp);
            if (batching.timeout().isZero() || batching.timeout().isNegative()) throw InvalidOptionException.of("timeout", "must be > 0, received: " + batching.timeout());
            if (idleTimeout.isZero() || idleTimeout.isNegative()) throw InvalidOptionException.of("idleTimeout", "must be > 0, received: " + idleTimeout);
            if (authToken != null && authToken.isBlank()) throw InvalidOptionException.of("authToken", "must not be empty");
            return new JrnnServer(new Config(Collections.unmodifiableMap(new LinkedHashMap<>(models)), host, port, maxBodyBytes, maxTexts,
                    maxTextChars, batching, authToken == null ? null : authToken.trim(), accessLog, idleTimeout, maxConnections, maxThreads,
                    drain, watch, warmUp, maxGenerateTokens));
        }

        private static void positive(String setting, int v) {
            if (v < 1) throw InvalidOptionException.of(setting, "must be >= 1, received: " + v);
        }

        private static void nonNegative(String setting, Duration d) {
            if (d.isNegative()) throw InvalidOptionException.of(setting, "must be >= 0, received: " + d);
        }
    }

    private final Config config;
    private final Metrics metrics = new Metrics();
    private final Map<String, ServedModel> models = new LinkedHashMap<>();
    private final Server jetty;
    private final ServerConnector connector;
    private final ExecutorService reloads;
    private ScheduledExecutorService watcher;
    private volatile boolean ready;
    private volatile boolean stopped;

    private JrnnServer(Config config) {
        this.config = config;
        for (var e : config.models().entrySet()) {
            String name = e.getKey();
            models.put(name, new ServedModel(name, e.getValue(), config.batching(),
                    (texts, requests, nanos) -> metrics.batch(name, texts), units -> metrics.batch(name, units), config.drain()));
        }
        reloads = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "jrnn-reload");
            t.setDaemon(true);
            return t;
        });
        QueuedThreadPool pool = new QueuedThreadPool(config.maxThreads(), Math.min(8, config.maxThreads()));
        pool.setName("jrnn-http");
        jetty = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false); // one syscall-free header less per response; HTTP/1.1 lets an origin without a clock omit it
        connector = new ServerConnector(jetty, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(config.idleTimeout().toMillis());
        jetty.addConnector(connector);
        // Past this many open connections Jetty stops accepting (the kernel's backlog holds the rest):
        // a flood of idle sockets costs a bounded amount of memory and ends at the idle timeout.
        jetty.addBean(new NetworkConnectionLimit(config.maxConnections(), connector));
        byte[] token = config.authToken() == null ? null : config.authToken().getBytes(StandardCharsets.UTF_8);
        AccessLog log = config.accessLog() == null ? null : new AccessLog(config.accessLog());
        Router router = new Router(this, Collections.unmodifiableMap(models), metrics, log,
                new Protocol.Limits(config.maxTexts(), config.maxTextChars(), config.maxGenerateTokens()), config.maxBodyBytes(), token, reloads);
        jetty.setHandler(new GracefulHandler(router));
        jetty.setErrorHandler(new JsonErrorHandler());
        jetty.setStopTimeout(config.drain().toMillis());
        jetty.setStopAtShutdown(false); // the owner stops it (jrnn serve from its SIGTERM hook)
    }

    public Config config() {
        return config;
    }

    /**
     * Binds the port, loads and warms up every model, then reports ready.
     *
     * @throws UserInputException when the port is taken or a model file is missing or invalid (the
     *     server is stopped again)
     */
    public JrnnServer start() throws IOException {
        long t0 = System.nanoTime();
        try {
            jetty.start();
            LOG.debug("listening on {} after {} s", uri(), String.format("%.3f", (System.nanoTime() - t0) / 1e9));
        } catch (IOException e) {
            stopQuietly();
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                throw new UserInputException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage());
            }
            throw e;
        } catch (Exception e) {
            stopQuietly();
            throw new IOException("cannot start the HTTP server: " + e.getMessage(), e);
        }
        try {
            Duration warm = config.warmUp().dividedBy(models.size());
            for (ServedModel m : models.values()) {
                ServedModel.Generation g = m.load(warm);
                LOG.info("model '{}' loaded from {} in {} s, warmed up in {} s", m.name, m.file, String.format("%.3f", g.loadSeconds()),
                        String.format("%.3f", g.warmUpSeconds()));
            }
        } catch (IOException | RuntimeException e) {
            stopQuietly();
            throw e;
        }
        if (config.watch()) {
            watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "jrnn-watch");
                t.setDaemon(true);
                return t;
            });
            watcher.scheduleWithFixedDelay(this::pollFiles, 1, 1, TimeUnit.SECONDS);
        }
        ready = true;
        return this;
    }

    private void pollFiles() {
        for (ServedModel m : models.values()) {
            if (stopped || !m.fileChanged()) continue;
            try {
                ServedModel.Generation g = reload(m);
                LOG.info("reloaded model '{}' from {} (changed on disk, {} s)", m.name, m.file, String.format("%.3f", g.loadSeconds()));
            } catch (IOException | UserInputException e) {
                LOG.warn("model '{}' not reloaded, still serving the previous one: {}", m.name, UserInputException.oneLine(String.valueOf(e.getMessage())));
            } catch (RuntimeException e) {
                LOG.error("model '{}' not reloaded, still serving the previous one", m.name, e);
            }
        }
    }

    ServedModel.Generation reload(ServedModel m) throws IOException {
        ServedModel.Generation g = m.load(config.warmUp().dividedBy(models.size()));
        LOG.info("model '{}' loaded from {} in {} s", m.name, m.file, String.format("%.3f", g.loadSeconds()));
        return g;
    }

    /**
     * Re-reads the named model's file and swaps it in atomically; in-flight requests finish on the old
     * one. A bad file is refused (the exception says why) and the old model keeps serving.
     */
    public void reload(String name) throws IOException {
        ServedModel m = models.get(name);
        if (m == null) throw InvalidOptionException.of("model", "unknown name '" + name + "'");
        reload(m);
    }

    /** Seconds {@link #start()} spent running models to warm the JIT up (part of the time to ready). */
    public double warmUpSeconds() {
        double s = 0;
        for (ServedModel m : models.values()) s += m.current() == null ? 0 : m.current().warmUpSeconds();
        return s;
    }

    boolean isReady() {
        return ready && !stopped;
    }

    /** The bound port (the chosen one when built with port 0). */
    public int port() {
        return connector.getLocalPort();
    }

    /** http://host:port, for the startup line and clients. */
    public URI uri() {
        String h = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return URI.create("http://" + h + ":" + port());
    }

    public List<String> modelNames() {
        return List.copyOf(models.keySet());
    }

    /** True for a host other than a loopback address (the CLI warns about it). */
    public boolean isExposed() {
        try {
            return !InetAddress.getByName(config.host()).isLoopbackAddress();
        } catch (IOException e) {
            return true;
        }
    }

    /**
     * Stops accepting connections, lets in-flight requests finish for at most {@code drain}, then
     * stops the batching engines. Idempotent.
     *
     * @return true if every in-flight request was answered in time
     */
    public synchronized boolean stop(Duration drain) {
        if (stopped) return true;
        stopped = true;
        if (watcher != null) watcher.shutdownNow();
        boolean clean = true;
        try {
            jetty.setStopTimeout(drain.toMillis());
            jetty.stop(); // GracefulHandler: no new requests, waits for the in-flight ones up to the stop timeout
        } catch (Exception e) {
            clean = false;
            LOG.warn("HTTP server did not stop cleanly: {}", e.toString());
        }
        for (ServedModel m : models.values()) m.shutdown(Duration.ofSeconds(1));
        reloads.shutdownNow();
        return clean;
    }

    @Override
    public void close() {
        stop(config.drain());
    }

    private void stopQuietly() {
        try {
            jetty.stop();
        } catch (Exception ignored) {
            // already failing: the caller reports the first error
        }
        reloads.shutdownNow();
    }

    /** Jetty's own errors (a malformed request line, a header too large) as {"error": "..."}, never a stack trace. */
    static final class JsonErrorHandler extends ErrorHandler {
        JsonErrorHandler() {
            setShowStacks(false);
            setShowCauses(false);
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
            byte[] body = Protocol.error(message == null || message.isBlank() ? "HTTP " + code : message);
            response.getHeaders().put("Content-Type", "application/json");
            response.write(true, java.nio.ByteBuffer.wrap(body), callback);
        }
    }
}
