package io.connectotel.api;

import io.connectotel.api.internal.TraceState;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.header.Headers;

/**
 * W3C trace context ({@code traceparent}, {@code tracestate}) in Kafka Connect record headers: inject into a
 * {@code SourceRecord}'s headers so downstream consumers continue the trace; extract from a
 * {@code SinkRecord}'s headers to parent (or link) a span. Values are strings, as Kafka clients and the
 * OpenTelemetry Java instrumentation write them; byte[] values are read too.
 */
public final class ConnectHeaders {
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    private ConnectHeaders() {}

    /**
     * Writes the current span's context into {@code headers}: {@code traceparent}, and {@code tracestate} when the
     * trace has one (replacing earlier ones of both).
     */
    public static void inject(Headers headers) {
        inject(Context.current(), headers);
    }

    public static void inject(Context context, Headers headers) {
        try {
            SpanContext c = context == null ? SpanContext.getInvalid() : context.getSpan().getSpanContext();
            if (headers == null || !c.isValid()) {
                return;
            }
            headers.remove(TRACEPARENT);
            headers.remove(TRACESTATE);
            headers.addString(TRACEPARENT, "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + (c.isSampled() ? "01" : "00"));
            if (!c.getTraceState().isEmpty()) {
                headers.addString(TRACESTATE, c.getTraceState());
            }
        } catch (Throwable ignored) {
            // Never disturb the connector: read-only or unusual Headers implementations are left alone.
        }
    }

    /**
     * The remote span context in {@code headers}, or the invalid context. Its {@code tracestate} is the list
     * of every {@code tracestate} header in order (the W3C rule for repeated headers), dropped when invalid.
     */
    public static SpanContext extractSpanContext(Headers headers) {
        try {
            if (headers == null) {
                return SpanContext.getInvalid();
            }
            Header h = headers.lastWithName(TRACEPARENT);
            if (h == null || h.value() == null) {
                return SpanContext.getInvalid();
            }
            SpanContext parent = parse(text(h).trim());
            if (!parent.isValid()) {
                return parent;
            }
            StringBuilder state = new StringBuilder();
            for (java.util.Iterator<Header> it = headers.allWithName(TRACESTATE); it.hasNext();) {
                Header s = it.next();
                if (s != null && s.value() != null) {
                    state.append(state.length() == 0 ? "" : ",").append(text(s));
                }
            }
            return state.length() == 0 ? parent : new SpanContext(parent.traceIdHigh, parent.traceIdLow, parent.spanId,
                    parent.flags, true, TraceState.parse(state.toString()));
        } catch (Throwable ignored) {
            return SpanContext.getInvalid();
        }
    }

    private static String text(Header h) {
        Object v = h.value();
        return v instanceof byte[] ? new String((byte[]) v, StandardCharsets.UTF_8) : v.toString();
    }

    /** A context to pass to {@link SpanBuilder#setParent(Context)}: the remote parent from {@code headers}. */
    public static Context extract(Headers headers) {
        return Context.fromRemote(extractSpanContext(headers));
    }

    static SpanContext parse(String traceparent) {
        // version "-" trace-id "-" parent-id "-" flags; version 00 has exactly 55 characters.
        String[] parts = traceparent.split("-");
        if (parts.length < 4 || parts[0].length() != 2 || parts[0].equals("ff") || parts[3].length() != 2) {
            return SpanContext.getInvalid();
        }
        if (parts[0].equals("00") && (parts.length != 4 || traceparent.length() != 55)) {
            return SpanContext.getInvalid();
        }
        int flags;
        try {
            flags = Integer.parseInt(parts[3], 16);
        } catch (NumberFormatException e) {
            return SpanContext.getInvalid();
        }
        return SpanContext.createFromRemoteParent(parts[1], parts[2], (byte) flags);
    }
}
