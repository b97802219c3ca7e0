package io.connectotel.api;

/** Creates spans for one instrumentation scope (its name becomes the OTLP scope name). */
public final class Tracer {
    final String name;
    final String version;

    Tracer(String name, String version) {
        this.name = name == null || name.isEmpty() ? "unnamed" : name;
        this.version = version == null ? "" : version;
    }

    public SpanBuilder spanBuilder(String spanName) {
        return new SpanBuilder(this, spanName);
    }
}
