package io.connectotel.api;

import io.connectotel.api.internal.AttributeList;
import io.connectotel.api.internal.Bridge;
import io.connectotel.api.internal.Ids;
import io.connectotel.api.internal.Settings;
import io.connectotel.api.internal.TaskAttribution;
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
    private AttributeList attributes; // made with the first attribute
    /** The attributes were handed to a started span, which may still use them: copied before a change. */
    private boolean attributesShared;
    private List<Object[]> links = Collections.emptyList();
    private int droppedLinks;

    SpanBuilder(Tracer tracer, String name) {
        this.tracer = tracer;
        this.name = name == null ? "" : Settings.name(name);
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
            double[] settings = Bridge.settings();
            // The agent's limit, and never past the wire format's count.
            int limit = settings == null ? 0 : Math.min((int) settings[Settings.LINK_COUNT_LIMIT], AttributeList.MAX_COUNT);
            if (links.size() >= limit) {
                droppedLinks++;
                return this;
            }
            if (links.isEmpty()) {
                links = new ArrayList<>(2);
            }
            links.add(new Object[] {context, attributes == null ? Attributes.empty() : attributes});
        }
        return this;
    }

    /** The attributes to change, or null without an agent (they would never be used). */
    private AttributeList writableAttributes() {
        AttributeList a = attributes;
        if (a == null) {
            double[] settings = Bridge.settings();
            if (settings != null) {
                attributes = a = new AttributeList(settings);
            }
        } else if (attributesShared) {
            attributes = a = a.copy();
            attributesShared = false;
        }
        return a;
    }

    private SpanBuilder put(String key, int kind, Object ref, long bits) {
        AttributeList a = writableAttributes();
        if (a != null) {
            a.put(key, kind, ref, bits);
        }
        return this;
    }

    public SpanBuilder setAttribute(String key, String value) { return put(key, AttributeList.STRING, value, 0); }
    public SpanBuilder setAttribute(String key, long value) { return put(key, AttributeList.LONG, null, value); }
    public SpanBuilder setAttribute(String key, double value) { return put(key, AttributeList.DOUBLE, null, Double.doubleToRawLongBits(value)); }
    public SpanBuilder setAttribute(String key, boolean value) { return put(key, AttributeList.BOOLEAN, null, value ? 1 : 0); }
    public SpanBuilder setAttribute(String key, String... value) { return put(key, AttributeList.STRING_ARRAY, value, 0); }
    public SpanBuilder setAttribute(String key, long... value) { return put(key, AttributeList.LONG_ARRAY, value, 0); }
    public SpanBuilder setAttribute(String key, double... value) { return put(key, AttributeList.DOUBLE_ARRAY, value, 0); }
    public SpanBuilder setAttribute(String key, boolean... value) { return put(key, AttributeList.BOOLEAN_ARRAY, value, 0); }

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
        long spanId = Ids.randomNonZero();
        String traceState = hasParent ? p.traceState : "";
        if (!sampled) {
            // Propagates the decision (and the trace's tracestate), records nothing.
            return Span.wrap(new SpanContext(traceHigh, traceLow, spanId, (byte) 0, false, traceState));
        }
        TaskAttribution task = TaskAttribution.current();
        if (task != null) {
            task.addTo(writableAttributes());
        }
        // The span takes the attributes as they are; whichever of the two changes them next copies them.
        attributesShared = attributes != null;
        return new Span.Recording(tracer, settings, name, traceHigh, traceLow, spanId, hasParent ? p.spanId : 0,
                hasParent && p.remote, traceState, kind, start > 0 ? start : Span.now(), attributes,
                links.isEmpty() ? links : List.copyOf(links), droppedLinks);
    }
}
