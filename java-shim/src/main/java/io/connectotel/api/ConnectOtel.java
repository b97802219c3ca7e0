package io.connectotel.api;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The entry point, like {@code GlobalOpenTelemetry}: {@code ConnectOtel.getTracer("my-sink")}. Spans go to
 * the connect-otel agent attached to the worker; without an agent every call is a cheap no-op.
 */
public final class ConnectOtel {
    private static final ConcurrentHashMap<String, Tracer> TRACERS = new ConcurrentHashMap<>();

    private ConnectOtel() {}

    public static Tracer getTracer(String instrumentationScopeName) {
        return getTracer(instrumentationScopeName, "");
    }

    public static Tracer getTracer(String instrumentationScopeName, String instrumentationScopeVersion) {
        String n = instrumentationScopeName == null ? "" : instrumentationScopeName;
        String v = instrumentationScopeVersion == null ? "" : instrumentationScopeVersion;
        // Bounded: a misbehaving caller creating endless names gets fresh, uncached tracers.
        if (TRACERS.size() > 1000) {
            return new Tracer(n, v);
        }
        return TRACERS.computeIfAbsent(n + '\u0000' + v, k -> new Tracer(n, v));
    }
}
