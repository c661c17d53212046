package httplayer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * What both servers do per request, so that only the HTTP layer differs: parse the OIP request with
 * Jackson (as the real server must) and answer a fixed OIP response of the shape jrnn serve writes for
 * one text. No model. Not a protocol implementation: just enough to reject what is not an infer body.
 */
final class Oip {
    static final String PATH = "/v2/models/m/infer";
    static final byte[] RESPONSE = ("{\"model_name\":\"m\",\"model_version\":\"1\",\"outputs\":["
            + "{\"name\":\"probabilities\",\"shape\":[1,4],\"datatype\":\"FP32\",\"data\":[0.1141,0.3619,0.3479,0.176]},"
            + "{\"name\":\"label\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"World\"]}]}").getBytes(StandardCharsets.UTF_8);
    static final byte[] BAD_REQUEST = "{\"error\":\"expected inputs[0].data, an array of texts\"}".getBytes(StandardCharsets.UTF_8);

    private static final ObjectMapper JSON = new ObjectMapper();

    /** True when the body is an infer request with at least one text. Bodies are read whole first, as a server bounding their size would. */
    static boolean parse(byte[] body) throws IOException {
        JsonNode data = JSON.readTree(body).path("inputs").path(0).path("data");
        return data.isArray() && data.size() > 0 && data.get(0).isTextual();
    }

    private Oip() {}
}
