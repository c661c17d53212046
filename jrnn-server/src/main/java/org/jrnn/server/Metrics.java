// The server's Prometheus metrics, written by hand in the text exposition format 0.0.4 (one page of
// code instead of a client library). Counters are LongAdders: thousands of requests per second
// update them from every thread.
package org.jrnn.server;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

final class Metrics {
    /** Request latency bucket bounds, seconds. */
    static final double[] LATENCY_BUCKETS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /** Texts per batch bucket bounds. */
    static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

    /** A cumulative histogram: counts[i] for values <= bounds[i], then +Inf. */
    static final class Histogram {
        final double[] bounds;
        final LongAdder[] counts;
        final DoubleAdder sum = new DoubleAdder();
        final LongAdder count = new LongAdder();

        Histogram(double[] bounds) {
            this.bounds = bounds;
            this.counts = new LongAdder[bounds.length];
            for (int i = 0; i < bounds.length; i++) counts[i] = new LongAdder();
        }

        void observe(double v) {
            for (int i = 0; i < bounds.length; i++) {
                if (v <= bounds[i]) {
                    counts[i].increment();
                    break;
                }
            }
            sum.add(v);
            count.increment();
        }

        void write(StringBuilder out, String name, String labels) {
            long cumulative = 0;
            String sep = labels.isEmpty() ? "" : labels + ",";
            for (int i = 0; i < bounds.length; i++) {
                cumulative += counts[i].sum();
                out.append(name).append("_bucket{").append(sep).append("le=\"").append(number(bounds[i])).append("\"} ").append(cumulative).append('\n');
            }
            out.append(name).append("_bucket{").append(sep).append("le=\"+Inf\"} ").append(count.sum()).append('\n');
            String braces = labels.isEmpty() ? "" : "{" + labels + "}";
            out.append(name).append("_sum").append(braces).append(' ').append(number(sum.sum())).append('\n');
            out.append(name).append("_count").append(braces).append(' ').append(count.sum()).append('\n');
        }
    }

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    /** Requests received and not yet answered (this scrape's own included). */
    private final LongAdder inFlight = new LongAdder();
    private final Map<String, Histogram> latency = new ConcurrentHashMap<>();
    private final Map<String, Histogram> batchTexts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> generatedTokens = new ConcurrentHashMap<>();

    void started() {
        inFlight.increment();
    }

    void request(String route, int status, long nanos) {
        inFlight.decrement();
        requests.computeIfAbsent(route + '\u0000' + status, k -> new LongAdder()).increment();
        latency.computeIfAbsent(route, k -> new Histogram(LATENCY_BUCKETS)).observe(nanos / 1e9);
    }

    void batch(String model, int texts) {
        batchTexts.computeIfAbsent(model, k -> new Histogram(BATCH_BUCKETS)).observe(texts);
    }

    /** Tokens a language model generated for one request (streamed or not, cut short or not). */
    void generated(String model, int tokens) {
        generatedTokens.computeIfAbsent(model, k -> new LongAdder()).add(tokens);
    }

    /** The exposition text; {@code models} gives each model's queue depth and load time. */
    String render(Map<String, ServedModel> models) {
        StringBuilder out = new StringBuilder(4096);
        out.append("# HELP jrnn_requests_total HTTP requests answered, by route and status.\n# TYPE jrnn_requests_total counter\n");
        new TreeMap<>(requests).forEach((k, v) -> {
            int cut = k.indexOf('\u0000');
            out.append("jrnn_requests_total{route=\"").append(k, 0, cut).append("\",status=\"").append(k.substring(cut + 1))
                    .append("\"} ").append(v.sum()).append('\n');
        });
        out.append("# HELP jrnn_requests_in_flight Requests received and not yet answered.\n# TYPE jrnn_requests_in_flight gauge\n");
        out.append("jrnn_requests_in_flight ").append(inFlight.sum()).append('\n');
        out.append("# HELP jrnn_request_duration_seconds Time from request to response, by route.\n# TYPE jrnn_request_duration_seconds histogram\n");
        new TreeMap<>(latency).forEach((route, h) -> h.write(out, "jrnn_request_duration_seconds", "route=\"" + route + "\""));
        out.append("# HELP jrnn_batch_texts Texts per inference batch (a tagger: per request; a language model: 1 per generation), by model.\n# TYPE jrnn_batch_texts histogram\n");
        new TreeMap<>(batchTexts).forEach((model, h) -> h.write(out, "jrnn_batch_texts", "model=\"" + escape(model) + "\""));
        out.append("# HELP jrnn_queue_texts Texts waiting for a batch, by model.\n# TYPE jrnn_queue_texts gauge\n");
        for (ServedModel m : models.values()) {
            ServedModel.Generation g = m.current();
            out.append("jrnn_queue_texts{model=\"").append(escape(m.name)).append("\"} ").append(g == null ? 0 : g.queued()).append('\n');
        }
        out.append("# HELP jrnn_generated_tokens_total Tokens generated by language models, by model.\n# TYPE jrnn_generated_tokens_total counter\n");
        new TreeMap<>(generatedTokens).forEach((model, n) -> out.append("jrnn_generated_tokens_total{model=\"").append(escape(model)).append("\"} ")
                .append(n.sum()).append('\n'));
        out.append("# HELP jrnn_model_load_seconds Time to read the model now serving from its file, by model.\n# TYPE jrnn_model_load_seconds gauge\n");
        for (ServedModel m : models.values()) {
            ServedModel.Generation g = m.current();
            if (g != null) out.append("jrnn_model_load_seconds{model=\"").append(escape(m.name)).append("\"} ").append(number(g.loadSeconds())).append('\n');
        }
        return out.toString();
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.6g", v).replaceAll("\\.?0+$|\\.?0+(?=e)", "");
    }

    /** Label values: backslash, quote and newline escaped (format 0.0.4). */
    static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
