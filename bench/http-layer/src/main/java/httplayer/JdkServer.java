package httplayer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/**
 * The JDK's built-in HTTP server answering Oip.PATH. Run with -Dsun.net.httpserver.nodelay=true:
 * without it Nagle's algorithm meets the client's delayed ACK and each keep-alive response waits
 * ~40 ms (issue 12). A fixed pool of THREADS handler threads (default 4), as a server on 2 cores would use.
 *   java -Dsun.net.httpserver.nodelay=true -cp target/classes:target/lib/* httplayer.JdkServer PORT [THREADS]
 */
public final class JdkServer {
    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.setExecutor(Executors.newFixedThreadPool(threads));
        server.createContext(Oip.PATH, JdkServer::infer);
        server.start();
        System.out.println("jdk httpserver on http://127.0.0.1:" + port + Oip.PATH + " threads=" + threads
                + " nodelay=" + System.getProperty("sun.net.httpserver.nodelay"));
    }

    private static void infer(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            boolean ok;
            try (InputStream in = ex.getRequestBody()) {
                ok = Oip.parse(in.readAllBytes());
            } catch (IOException e) {
                ok = false;
            }
            byte[] body = ok ? Oip.RESPONSE : Oip.BAD_REQUEST;
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(ok ? 200 : 400, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private JdkServer() {}
}
