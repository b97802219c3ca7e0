package io.connectotel.agent.internal.otelapi;

import io.connectotel.api.ConnectOtel;
import java.util.concurrent.ConcurrentHashMap;

/** {@code TracerProvider}: one tracer per scope name and version, as connect-otel's own API keeps them. */
final class TracerProviderHandler extends Handler {
    private final ConcurrentHashMap<String, Object> tracers = new ConcurrentHashMap<>();

    TracerProviderHandler(OtelTypes types) {
        super(types);
    }

    @Override
    Object handle(Object proxy, String name, Object[] a) {
        switch (name) {
            case "get":
                if (a.length == 1) return tracer(a[0], null);
                if (a.length == 2) return tracer(a[0], a[1]);
                return UNHANDLED;
            case "tracerBuilder":
                return a.length == 1 ? types.newTracerBuilder(new TracerBuilderHandler(types, this, a[0])) : UNHANDLED;
            default:
                return UNHANDLED;
        }
    }

    Object tracer(Object scopeName, Object scopeVersion) {
        String n = scopeName instanceof String ? (String) scopeName : "";
        String v = scopeVersion instanceof String ? (String) scopeVersion : "";
        // Bounded like ConnectOtel's: endless names get fresh, uncached tracers.
        if (tracers.size() > 1000) {
            return types.newTracer(new TracerHandler(types, ConnectOtel.getTracer(n, v)));
        }
        return tracers.computeIfAbsent(n + '\u0000' + v, k -> types.newTracer(new TracerHandler(types, ConnectOtel.getTracer(n, v))));
    }
}
