package io.gantry.telemetry;

import java.nio.charset.StandardCharsets;

/** What a route answers: status, content type and the complete body. */
record HttpResponseBody(int status, String contentType, byte[] body) {
    static final String TEXT = "text/plain; charset=utf-8";

    static HttpResponseBody text(int status, String text) {
        return new HttpResponseBody(status, TEXT, (text + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
