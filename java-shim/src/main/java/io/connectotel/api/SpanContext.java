package io.connectotel.api;

import io.connectotel.api.internal.Ids;

/** The identity of a span: W3C trace id (32 hex), span id (16 hex), trace flags. Immutable. */
public final class SpanContext {
    private static final SpanContext INVALID = new SpanContext(0, 0, 0, (byte) 0, false);

    final long traceIdHigh;
    final long traceIdLow;
    final long spanId;
    final byte flags;
    final boolean remote;

    SpanContext(long traceIdHigh, long traceIdLow, long spanId, byte flags, boolean remote) {
        this.traceIdHigh = traceIdHigh;
        this.traceIdLow = traceIdLow;
        this.spanId = spanId;
        this.flags = flags;
        this.remote = remote;
    }

    public static SpanContext getInvalid() {
        return INVALID;
    }

    /** A span context received from elsewhere (e.g. a {@code traceparent} header); invalid input gives the invalid context. */
    public static SpanContext createFromRemoteParent(String traceIdHex, String spanIdHex, byte flags) {
        long[] t = Ids.parseTraceId(traceIdHex);
        long s = Ids.parseSpanId(spanIdHex);
        if (t == null || s == 0) {
            return INVALID;
        }
        return new SpanContext(t[0], t[1], s, flags, true);
    }

    public String getTraceId() {
        return Ids.hex(traceIdHigh) + Ids.hex(traceIdLow);
    }

    public String getSpanId() {
        return Ids.hex(spanId);
    }

    public byte getTraceFlags() {
        return flags;
    }

    public boolean isSampled() {
        return (flags & 1) != 0;
    }

    public boolean isValid() {
        return (traceIdHigh != 0 || traceIdLow != 0) && spanId != 0;
    }

    public boolean isRemote() {
        return remote;
    }

    @Override
    public String toString() {
        return "SpanContext{traceId=" + getTraceId() + ", spanId=" + getSpanId() + ", flags=" + flags + ", remote=" + remote + "}";
    }
}
