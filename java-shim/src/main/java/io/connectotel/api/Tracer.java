package io.connectotel.api;

import io.connectotel.api.internal.Settings;
import java.nio.charset.StandardCharsets;

/** Creates spans for one instrumentation scope (its name becomes the OTLP scope name). */
public final class Tracer {
    final String name;
    final String version;
    /** UTF-8 of name and version, encoded once for all the tracer's spans. */
    final byte[] nameUtf8;
    final byte[] versionUtf8;

    Tracer(String name, String version) {
        this.name = name == null || name.isEmpty() ? "unnamed" : Settings.name(name);
        this.version = version == null ? "" : Settings.name(version);
        this.nameUtf8 = this.name.getBytes(StandardCharsets.UTF_8);
        this.versionUtf8 = this.version.getBytes(StandardCharsets.UTF_8);
    }

    public SpanBuilder spanBuilder(String spanName) {
        return new SpanBuilder(this, spanName);
    }
}
