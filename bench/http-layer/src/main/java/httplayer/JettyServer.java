package httplayer;

import java.io.InputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty 12 core (no servlets) answering Oip.PATH with a Handler.Abstract, default thread pool and
 * connector settings: the plain way to use it. The body is read blocking (Content.Source.asInputStream),
 * as a handler that hands the parsed texts on to a batcher would.
 *   java -cp target/classes:target/lib/* httplayer.JettyServer PORT
 */
public final class JettyServer {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(port);
        server.addConnector(connector);
        server.setHandler(new Infer());
        server.start();
        System.out.println("jetty " + Server.getVersion() + " on http://127.0.0.1:" + port + Oip.PATH);
        server.join();
    }

    static final class Infer extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (!Oip.PATH.equals(Request.getPathInContext(request))) return false; // Jetty answers 404
            if (!HttpMethod.POST.is(request.getMethod())) {
                Response.writeError(request, response, callback, 405);
                return true;
            }
            boolean ok;
            try (InputStream in = Content.Source.asInputStream(request)) {
                ok = Oip.parse(in.readAllBytes());
            } catch (Exception e) {
                ok = false;
            }
            byte[] body = ok ? Oip.RESPONSE : Oip.BAD_REQUEST;
            response.setStatus(ok ? 200 : 400);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
            return true;
        }
    }

    private JettyServer() {}
}
