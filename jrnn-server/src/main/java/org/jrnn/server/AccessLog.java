// One JSON line per answered request (time, client, method, path, route, model, status, bytes,
// duration), to standard output or a file: what a log shipper ingests without a parser of its own.
package org.jrnn.server;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.eclipse.jetty.server.Request;

/** Writes access-log lines; thread-safe (one {@code println} per line). */
public final class AccessLog {
    private final PrintStream out;

    public AccessLog(PrintStream out) {
        this.out = out;
    }

    void log(Request request, String route, String model, int status, int bytes, long nanos) {
        String line = new String(Protocol.json((JsonGenerator g) -> {
            g.writeStartObject();
            g.writeStringField("time", Instant.now().toString());
            g.writeStringField("remote", Request.getRemoteAddr(request));
            g.writeStringField("method", request.getMethod());
            g.writeStringField("path", request.getHttpURI().getPath());
            g.writeStringField("route", route);
            if (model != null) g.writeStringField("model", model);
            g.writeNumberField("status", status);
            g.writeNumberField("bytes", bytes);
            g.writeNumberField("duration_ms", Math.round(nanos / 1e3) / 1e3);
            g.writeEndObject();
        }), StandardCharsets.UTF_8);
        out.println(line);
    }
}
