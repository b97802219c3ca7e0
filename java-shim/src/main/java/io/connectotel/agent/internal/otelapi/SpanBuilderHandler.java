package io.connectotel.agent.internal.otelapi;

import io.connectotel.api.Context;
import io.connectotel.api.Span;
import io.connectotel.api.SpanBuilder;
import io.connectotel.api.SpanContext;
import io.connectotel.api.SpanKind;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * {@code SpanBuilder} over connect-otel's. The parent comes from the API's context (explicit, or the API's current
 * one): a span of ours is the parent itself, any other valid span (e.g. one a propagator extracted) a remote
 * parent. Our own API's current span is not consulted: the two APIs keep separate current contexts.
 */
final class SpanBuilderHandler extends Handler implements AttributeValues.Sink {
    private final SpanBuilder builder;
    private Object parent; // an API Context, or null for the current one
    private boolean noParent;

    SpanBuilderHandler(OtelTypes types, SpanBuilder builder) {
        super(types);
        this.builder = builder;
    }

    @Override
    Object handle(Object proxy, String name, Object[] a) throws Throwable {
        switch (name) {
            case "setAttribute":
                if (a.length != 2) return UNHANDLED;
                AttributeValues.put(this, types.attributeKeyName(a[0]), a[1]);
                return proxy;
            case "setAllAttributes":
                if (a.length != 1) return UNHANDLED;
                types.forEachAttribute(a[0], (k, v) -> AttributeValues.put(this, k, v));
                return proxy;
            case "setParent":
                if (a.length == 1 && a[0] != null) {
                    parent = a[0];
                    noParent = false;
                }
                return proxy;
            case "setNoParent":
                noParent = true;
                parent = null;
                return proxy;
            case "setSpanKind":
                if (a.length == 1 && a[0] instanceof Enum) {
                    builder.setSpanKind(SpanKind.valueOf(((Enum<?>) a[0]).name()));
                }
                return proxy;
            case "addLink":
                if (a.length == 0 || a.length > 2) return UNHANDLED;
                builder.addLink(types.toOurs(a[0]), a.length == 2 ? AttributeValues.of(types, a[1]) : null);
                return proxy;
            case "setStartTimestamp":
                if (a.length == 2 && a[0] instanceof Long && a[1] instanceof TimeUnit) {
                    builder.setStartTimestamp((Long) a[0], (TimeUnit) a[1]);
                } else if (a.length == 1 && a[0] instanceof Instant) {
                    Instant t = (Instant) a[0];
                    builder.setStartTimestamp(TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano(), TimeUnit.NANOSECONDS);
                }
                return proxy;
            case "startSpan":
                return a.length == 0 ? start() : UNHANDLED;
            default:
                return UNHANDLED;
        }
    }

    private Object start() {
        try {
            Object parentSpan = noParent ? null : types.spanFromContext(parent != null ? parent : types.currentContext());
            if (parentSpan == null || parentSpan == types.invalidSpan) {
                builder.setNoParent(); // nothing current (the usual root): the API answers its one invalid span
            } else {
                SpanHandler ours = OtelTypes.handlerOf(parentSpan);
                SpanContext remote = ours == null ? types.spanContextOfForeign(parentSpan) : null;
                if (ours != null) {
                    builder.setParent(Context.root().with(ours.span));
                } else if (remote.isValid()) {
                    builder.setParent(Context.fromRemote(remote));
                } else {
                    builder.setNoParent();
                }
            }
            Span s = builder.startSpan();
            return s.isRecording() ? types.newSpan(new SpanHandler(types, s)) : types.wrap(s.getSpanContext());
        } catch (Throwable t) {
            return types.invalidSpan;
        }
    }

    @Override public void string(String k, String v) { builder.setAttribute(k, v); }
    @Override public void number(String k, long v) { builder.setAttribute(k, v); }
    @Override public void real(String k, double v) { builder.setAttribute(k, v); }
    @Override public void bool(String k, boolean v) { builder.setAttribute(k, v); }
    @Override public void strings(String k, String[] v) { builder.setAttribute(k, v); }
    @Override public void numbers(String k, long[] v) { builder.setAttribute(k, v); }
    @Override public void reals(String k, double[] v) { builder.setAttribute(k, v); }
    @Override public void bools(String k, boolean[] v) { builder.setAttribute(k, v); }
}
