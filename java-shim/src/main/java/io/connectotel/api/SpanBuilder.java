package io.connectotel.api;

import io.connectotel.api.internal.Bridge;
import io.connectotel.api.internal.Ids;
import io.connectotel.api.internal.Settings;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Builds a span, as in the OpenTelemetry API. Never throws. */
public final class SpanBuilder {
    private final Tracer tracer;
    private final String name;
    private Context parent;
    private boolean noParent;
    private SpanKind kind = SpanKind.INTERNAL;
    private long start;
    private final List<Object[]> attributes = new ArrayList<>(4);
    private List<Object[]> links = Collections.emptyList();

    SpanBuilder(Tracer tracer, String name) {
        this.tracer = tracer;
        this.name = name == null ? "" : name;
    }

    /** The parent is the span of {@code context} (the current context's span by default). */
    public SpanBuilder setParent(Context context) {
        if (context != null) {
            parent = context;
            noParent = false;
        }
        return this;
    }

    /** Makes the span a root: a new trace, whatever is current. */
    public SpanBuilder setNoParent() {
        noParent = true;
        parent = null;
        return this;
    }

    public SpanBuilder setSpanKind(SpanKind kind) {
        if (kind != null) {
            this.kind = kind;
        }
        return this;
    }

    /** Links this span to another (e.g. each record's producer span when a batch spans several traces). */
    public SpanBuilder addLink(SpanContext context) {
        return addLink(context, Attributes.empty());
    }

    public SpanBuilder addLink(SpanContext context, Attributes attributes) {
        if (context != null && context.isValid()) {
            if (links.isEmpty()) {
                links = new ArrayList<>(2);
            }
            links.add(new Object[] {context, attributes == null ? Attributes.empty() : attributes});
        }
        return this;
    }

    private SpanBuilder put(String key, Object value) {
        if (key != null && !key.isEmpty() && value != null) {
            attributes.add(new Object[] {key, value});
        }
        return this;
    }

    public SpanBuilder setAttribute(String key, String value) { return put(key, value); }
    public SpanBuilder setAttribute(String key, long value) { return put(key, value); }
    public SpanBuilder setAttribute(String key, double value) { return put(key, value); }
    public SpanBuilder setAttribute(String key, boolean value) { return put(key, value); }
    public SpanBuilder setAttribute(String key, String... value) { return put(key, value == null ? null : value.clone()); }
    public SpanBuilder setAttribute(String key, long... value) { return put(key, value == null ? null : value.clone()); }
    public SpanBuilder setAttribute(String key, double... value) { return put(key, value == null ? null : value.clone()); }
    public SpanBuilder setAttribute(String key, boolean... value) { return put(key, value == null ? null : value.clone()); }

    public SpanBuilder setStartTimestamp(long timestamp, TimeUnit unit) {
        if (unit != null && timestamp > 0) {
            start = unit.toNanos(timestamp);
        }
        return this;
    }

    /** Starts the span. Without a running agent this is the invalid, non-recording span (nothing is kept). */
    public Span startSpan() {
        double[] settings = Bridge.settings();
        if (settings == null) {
            return Span.getInvalid();
        }
        SpanContext p = noParent ? SpanContext.getInvalid() : (parent != null ? parent : Context.current()).getSpan().getSpanContext();
        boolean hasParent = p.isValid();
        long traceHigh = hasParent ? p.traceIdHigh : Ids.randomNonZero();
        long traceLow = hasParent ? p.traceIdLow : Ids.randomNonZero();
        boolean sampled = Settings.sample(settings, hasParent, hasParent && p.isSampled(), traceLow);
        SpanContext ctx = new SpanContext(traceHigh, traceLow, Ids.randomNonZero(), (byte) (sampled ? 1 : 0), false);
        if (!sampled) {
            return Span.wrap(ctx); // propagates the decision, records nothing
        }
        return new Span.Recording(tracer, settings, name, ctx, hasParent ? p.spanId : 0, hasParent && p.remote, kind,
                start > 0 ? start : Span.now(), attributes, links);
    }
}
