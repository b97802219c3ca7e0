package io.connectotel.agent.internal.otelapi;

import io.connectotel.api.Tracer;

/** {@code Tracer}: span builders over connect-otel's. */
final class TracerHandler extends Handler {
    private final Tracer tracer;

    TracerHandler(OtelTypes types, Tracer tracer) {
        super(types);
        this.tracer = tracer;
    }

    @Override
    Object handle(Object proxy, String name, Object[] a) {
        if (name.equals("spanBuilder") && a.length == 1) {
            return types.newSpanBuilder(new SpanBuilderHandler(types, tracer.spanBuilder(a[0] instanceof String ? (String) a[0] : null)));
        }
        return UNHANDLED;
    }
}
