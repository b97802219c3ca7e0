package io.connectotel.agent.internal.otelapi;

import io.connectotel.api.Span;
import io.connectotel.api.StatusCode;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * A recording {@code Span} over connect-otel's (which records in Java and hands the ended span to the agent).
 * {@code makeCurrent}, {@code storeInContext} and the other default methods are the API's own, so the API's
 * context holds this proxy and {@code Span.current()} returns it.
 */
final class SpanHandler extends Handler implements AttributeValues.Sink {
    final Span span;
    private volatile Object otelSpanContext; // made when first asked for; immutable, so a racing second is harmless

    SpanHandler(OtelTypes types, Span span) {
        super(types);
        this.span = span;
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
            case "addEvent":
                // (name, Attributes[, timestamp, unit | Instant]); the event's time is when it is added.
                if (a.length >= 2 && types.attributes.isInstance(a[1])) {
                    span.addEvent(a[0] instanceof String ? (String) a[0] : null, AttributeValues.of(types, a[1]));
                    return proxy;
                }
                if (a.length >= 1) {
                    span.addEvent(a[0] instanceof String ? (String) a[0] : null);
                    return proxy;
                }
                return UNHANDLED;
            case "setStatus":
                if (a.length >= 1 && a[0] instanceof Enum) {
                    span.setStatus(StatusCode.valueOf(((Enum<?>) a[0]).name()), a.length == 2 && a[1] instanceof String ? (String) a[1] : null);
                }
                return proxy;
            case "recordException":
                if (a.length >= 1 && a[0] instanceof Throwable) {
                    span.recordException((Throwable) a[0], a.length == 2 ? AttributeValues.of(types, a[1]) : null);
                }
                return proxy;
            case "updateName":
                if (a.length != 1) return UNHANDLED;
                span.updateName(a[0] instanceof String ? (String) a[0] : null);
                return proxy;
            case "end":
                if (a.length == 0) {
                    span.end();
                } else if (a.length == 2 && a[0] instanceof Long && a[1] instanceof TimeUnit) {
                    span.end((Long) a[0], (TimeUnit) a[1]);
                } else if (a.length == 1 && a[0] instanceof Instant) {
                    Instant t = (Instant) a[0];
                    span.end(TimeUnit.SECONDS.toNanos(t.getEpochSecond()) + t.getNano(), TimeUnit.NANOSECONDS);
                } else {
                    span.end();
                }
                return null;
            case "getSpanContext":
                if (a.length != 0) return UNHANDLED;
                Object c = otelSpanContext;
                if (c == null) {
                    otelSpanContext = c = types.toOtel(span.getSpanContext());
                }
                return c;
            case "isRecording":
                return a.length == 0 ? (Object) span.isRecording() : UNHANDLED;
            default:
                return UNHANDLED;
        }
    }

    @Override public void string(String k, String v) { span.setAttribute(k, v); }
    @Override public void number(String k, long v) { span.setAttribute(k, v); }
    @Override public void real(String k, double v) { span.setAttribute(k, v); }
    @Override public void bool(String k, boolean v) { span.setAttribute(k, v); }
    @Override public void strings(String k, String[] v) { span.setAttribute(k, v); }
    @Override public void numbers(String k, long[] v) { span.setAttribute(k, v); }
    @Override public void reals(String k, double[] v) { span.setAttribute(k, v); }
    @Override public void bools(String k, boolean[] v) { span.setAttribute(k, v); }
}
