package io.connectotel.agent.internal.otelapi;

/**
 * {@code OpenTelemetry}: tracers are connect-otel's, propagation is W3C trace context (the {@code traceparent}
 * that {@code io.connectotel.api.ConnectHeaders} reads and writes); meters and the logs bridge are the API's
 * defaults (no-op).
 */
final class OpenTelemetryHandler extends Handler {
    private final TracerProviderHandler provider;
    private final Object tracerProvider;

    OpenTelemetryHandler(OtelTypes types) {
        super(types);
        this.provider = new TracerProviderHandler(types);
        this.tracerProvider = types.newTracerProvider(provider);
    }

    @Override
    Object handle(Object proxy, String name, Object[] a) throws Throwable {
        switch (name) {
            case "getTracerProvider":
                return tracerProvider;
            case "getPropagators":
                return types.propagators;
            case "getTracer":
            case "tracerBuilder":
                return provider.handle(tracerProvider, name.equals("getTracer") ? "get" : name, a);
            default:
                return UNHANDLED;
        }
    }
}
