// A tiny HTTP file server on the loopback interface (127.0.0.1, port 0) for download tests: files under
// /data/, HTTP Range support that can be switched off, injected 500s and responses cut mid-body, and a log
// of the requests (path plus Range header). Tests never touch the internet.
package org.jrnn.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** A tiny file server: Range support can be switched off, and failures injected per path. */
public final class FakeHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, byte[]> files = new HashMap<>();
    /** Path -> number of 500 answers still to give. */
    public final Map<String, AtomicInteger> failures = new HashMap<>();
    /** Path -> number of responses still to cut after half the body. */
    public final Map<String, AtomicInteger> cuts = new HashMap<>();
    public final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    public volatile boolean ranges = true;

    public FakeHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/data/");
    }

    public FakeHttpServer file(String name, String content) {
        files.put("/data/" + name, content.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        requests.add(path + (range != null ? " " + range : ""));
        try (ex) {
            byte[] body = files.get(path);
            AtomicInteger fail = failures.get(path);
            if (fail != null && fail.getAndDecrement() > 0) {
                ex.sendResponseHeaders(500, -1);
                return;
            }
            if (body == null) {
                ex.sendResponseHeaders(404, -1);
                return;
            }
            int from = 0;
            if (ranges && range != null && range.startsWith("bytes=") && range.endsWith("-")) {
                from = Integer.parseInt(range.substring(6, range.length() - 1));
                if (from >= body.length) {
                    ex.getResponseHeaders().add("Content-Range", "bytes */" + body.length);
                    ex.sendResponseHeaders(416, -1);
                    return;
                }
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (body.length - 1) + "/" + body.length);
                ex.sendResponseHeaders(206, body.length - from);
            } else {
                ex.sendResponseHeaders(200, body.length);
            }
            AtomicInteger cut = cuts.get(path);
            OutputStream out = ex.getResponseBody();
            if (cut != null && cut.getAndDecrement() > 0) {
                int half = from + (body.length - from) / 2;
                out.write(body, from, half - from);
                out.flush();
                throw new IOException("cut"); // closing with bytes missing drops the connection mid-body
            }
            out.write(body, from, body.length - from);
        } catch (IOException e) {
            // a deliberately cut response, or the client went away
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
