package io.connectotel.api;

import io.connectotel.api.internal.Ids;
import io.connectotel.api.internal.TraceState;

/**
 * The identity of a span: W3C trace id (32 hex), span id (16 hex), trace flags, and the trace's
 * {@code tracestate} list. Immutable.
 */
public final class SpanContext {
    private static final SpanContext INVALID = new SpanContext(0, 0, 0, (byte) 0, false, "");

    final long traceIdHigh;
    final long traceIdLow;
    final long spanId;
    final byte flags;
    final boolean remote;
    /** The normalised {@code tracestate} header value; "" for none. */
    final String traceState;

    SpanContext(long traceIdHigh, long traceIdLow, long spanId, byte flags, boolean remote, String traceState) {
        this.traceIdHigh = traceIdHigh;
        this.traceIdLow = traceIdLow;
        this.spanId = spanId;
        this.flags = flags;
        this.remote = remote;
        this.traceState = traceState;
    }

    public static SpanContext getInvalid() {
        return INVALID;
    }

    /** A span context received from elsewhere (e.g. a {@code traceparent} header); invalid input gives the invalid context. */
    public static SpanContext createFromRemoteParent(String traceIdHex, String spanIdHex, byte flags) {
        return createFromRemoteParent(traceIdHex, spanIdHex, flags, "");
    }

    /**
     * The same with the trace's {@code tracestate} list (a header value; an invalid list is dropped, see
     * {@link #getTraceState()}).
     */
    public static SpanContext createFromRemoteParent(String traceIdHex, String spanIdHex, byte flags, String traceState) {
        long[] t = Ids.parseTraceId(traceIdHex);
        long s = Ids.parseSpanId(spanIdHex);
        if (t == null || s == 0) {
            return INVALID;
        }
        return new SpanContext(t[0], t[1], s, flags, true, TraceState.parse(traceState));
    }

    public String getTraceId() {
        return Ids.hex(traceIdHigh) + Ids.hex(traceIdLow);
    }

    public String getSpanId() {
        return Ids.hex(spanId);
    }

    /**
     * The W3C {@code tracestate} list as a header value (members without optional white space), "" when there is
     * none. A span carries its parent's list unchanged.
     */
    public String getTraceState() {
        return traceState;
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
        return "SpanContext{traceId=" + getTraceId() + ", spanId=" + getSpanId() + ", flags=" + flags + ", remote=" + remote
                + (traceState.isEmpty() ? "" : ", traceState=" + traceState) + "}";
    }
}
