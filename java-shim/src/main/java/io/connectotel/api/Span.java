package io.connectotel.api;

import io.connectotel.api.internal.Bridge;
import io.connectotel.api.internal.Encoder;
import io.connectotel.api.internal.Settings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A span, shaped like the OpenTelemetry API's. Recording happens in Java on the caller's thread; the span
 * crosses to the agent once, when it ends. No method throws, whatever the input: a misused span (ended twice,
 * attributes after end, null keys, huge values) ignores what it cannot take.
 */
public class Span {
    private static final Span INVALID = new Span(SpanContext.getInvalid());

    final SpanContext context;

    Span(SpanContext context) {
        this.context = context;
    }

    public static Span getInvalid() {
        return INVALID;
    }

    /** A non-recording span that carries a context (for a remote parent, or an unsampled span). */
    public static Span wrap(SpanContext context) {
        return context == null || !context.isValid() ? INVALID : new Span(context);
    }

    /** The span current on this thread, or the invalid span. */
    public static Span current() {
        return Context.current().getSpan();
    }

    public SpanContext getSpanContext() {
        return context;
    }

    public boolean isRecording() {
        return false;
    }

    public Span setAttribute(String key, String value) { return this; }
    public Span setAttribute(String key, long value) { return this; }
    public Span setAttribute(String key, double value) { return this; }
    public Span setAttribute(String key, boolean value) { return this; }
    public Span setAttribute(String key, String... value) { return this; }
    public Span setAttribute(String key, long... value) { return this; }
    public Span setAttribute(String key, double... value) { return this; }
    public Span setAttribute(String key, boolean... value) { return this; }
    public Span addEvent(String name) { return this; }
    public Span addEvent(String name, Attributes attributes) { return this; }
    public Span recordException(Throwable exception) { return this; }
    public Span recordException(Throwable exception, Attributes attributes) { return this; }
    public Span setStatus(StatusCode code) { return this; }
    public Span setStatus(StatusCode code, String description) { return this; }
    public Span updateName(String name) { return this; }
    public void end() {}
    public void end(long timestamp, TimeUnit unit) {}

    /** Makes this span current on this thread until the returned scope is closed. */
    public Scope makeCurrent() {
        return Context.current().with(this).makeCurrent();
    }

    // ---------------------------------------------------------------------------------------------------

    /** Epoch nanoseconds from a monotonic clock anchored once. */
    static long now() {
        return Clock.EPOCH_ANCHOR + (System.nanoTime() - Clock.NANO_ANCHOR);
    }

    private static final class Clock {
        static final long NANO_ANCHOR = System.nanoTime();
        static final long EPOCH_ANCHOR = System.currentTimeMillis() * 1_000_000L;
    }

    /** A sampled span being recorded. All state is guarded by {@code this}: any thread may end it. */
    static final class Recording extends Span {
        private final Tracer tracer;
        private final double[] settings;
        private final long parentSpanId;
        private final boolean parentRemote;
        private final SpanKind kind;
        private final long start;
        private final List<Object[]> links;
        private final List<Object[]> attributes = new ArrayList<>();
        private final List<Object[]> events = new ArrayList<>(0); // {Long time, String name, List<Object[]> attrs}
        private String name;
        private StatusCode status = StatusCode.UNSET;
        private String statusMessage = "";
        private int droppedAttributes;
        private int droppedEvents;
        private boolean ended;

        Recording(Tracer tracer, double[] settings, String name, SpanContext context, long parentSpanId, boolean parentRemote,
                SpanKind kind, long start, List<Object[]> attributes, List<Object[]> links) {
            super(context);
            this.tracer = tracer;
            this.settings = settings;
            this.name = name == null ? "" : name;
            this.parentSpanId = parentSpanId;
            this.parentRemote = parentRemote;
            this.kind = kind == null ? SpanKind.INTERNAL : kind;
            this.start = start;
            this.links = links;
            for (Object[] kv : attributes) {
                put((String) kv[0], kv[1]);
            }
        }

        @Override
        public boolean isRecording() {
            synchronized (this) {
                return !ended;
            }
        }

        private Object bounded(Object v) {
            int limit = Settings.valueLimit(settings);
            if (v instanceof String && ((String) v).length() > limit) {
                return ((String) v).substring(0, limit);
            }
            if (v instanceof String[]) {
                String[] a = ((String[]) v).clone();
                for (int i = 0; i < a.length; i++) {
                    if (a[i] == null) a[i] = "";
                    else if (a[i].length() > limit) a[i] = a[i].substring(0, limit);
                }
                return a;
            }
            return v;
        }

        private synchronized Span put(String key, Object value) {
            if (ended || key == null || key.isEmpty() || value == null) {
                return this;
            }
            for (Object[] kv : attributes) {
                if (kv[0].equals(key)) {
                    kv[1] = bounded(value);
                    return this;
                }
            }
            if (attributes.size() >= (int) settings[Settings.ATTRIBUTE_COUNT_LIMIT]) {
                droppedAttributes++;
                return this;
            }
            attributes.add(new Object[] {key, bounded(value)});
            return this;
        }

        @Override public Span setAttribute(String key, String value) { return put(key, value); }
        @Override public Span setAttribute(String key, long value) { return put(key, value); }
        @Override public Span setAttribute(String key, double value) { return put(key, value); }
        @Override public Span setAttribute(String key, boolean value) { return put(key, value); }
        @Override public Span setAttribute(String key, String... value) { return put(key, value == null ? null : value.clone()); }
        @Override public Span setAttribute(String key, long... value) { return put(key, value == null ? null : value.clone()); }
        @Override public Span setAttribute(String key, double... value) { return put(key, value == null ? null : value.clone()); }
        @Override public Span setAttribute(String key, boolean... value) { return put(key, value == null ? null : value.clone()); }

        @Override
        public Span addEvent(String name) {
            return addEvent(name, Attributes.empty());
        }

        @Override
        public synchronized Span addEvent(String name, Attributes attrs) {
            if (ended || name == null) {
                return this;
            }
            if (events.size() >= (int) settings[Settings.EVENT_COUNT_LIMIT]) {
                droppedEvents++;
                return this;
            }
            List<Object[]> a = new ArrayList<>();
            if (attrs != null) {
                for (Object[] kv : attrs.entries) {
                    if (a.size() < (int) settings[Settings.ATTRIBUTE_COUNT_LIMIT]) {
                        a.add(new Object[] {kv[0], bounded(kv[1])});
                    }
                }
            }
            events.add(new Object[] {now(), name, a});
            return this;
        }

        @Override
        public Span recordException(Throwable exception) {
            return recordException(exception, Attributes.empty());
        }

        @Override
        public Span recordException(Throwable exception, Attributes extra) {
            if (exception == null) {
                return this;
            }
            Attributes.Builder b = Attributes.builder()
                    .put("exception.type", exception.getClass().getName())
                    .put("exception.stacktrace", stackTrace(exception, Settings.valueLimit(settings)));
            String message = safeMessage(exception);
            if (message != null) {
                b.put("exception.message", message);
            }
            if (extra != null) {
                for (Object[] kv : extra.entries) {
                    b.add((String) kv[0], kv[1]);
                }
            }
            return addEvent("exception", b.build());
        }

        private static String safeMessage(Throwable t) {
            try {
                return t.getMessage();
            } catch (Throwable broken) {
                return null;
            }
        }

        /** The stack trace with causes, cut at {@code limit} characters (deep cause chains stay bounded). */
        static String stackTrace(Throwable t, int limit) {
            StringWriter out = new StringWriter();
            try (PrintWriter w = new PrintWriter(new LimitedWriter(out, limit))) {
                t.printStackTrace(w);
            } catch (Throwable broken) {
                // A Throwable whose printing fails: keep what was written.
            }
            return out.toString();
        }

        @Override
        public Span setStatus(StatusCode code) {
            return setStatus(code, null);
        }

        @Override
        public synchronized Span setStatus(StatusCode code, String description) {
            if (ended || code == null || status == StatusCode.OK) {
                return this; // OK is final, as in the OpenTelemetry API
            }
            status = code;
            statusMessage = code == StatusCode.ERROR && description != null ? (String) bounded(description) : "";
            return this;
        }

        @Override
        public synchronized Span updateName(String name) {
            if (!ended && name != null) {
                this.name = name;
            }
            return this;
        }

        @Override
        public void end() {
            finish(now());
        }

        @Override
        public void end(long timestamp, TimeUnit unit) {
            finish(unit == null ? now() : unit.toNanos(timestamp));
        }

        private void finish(long end) {
            byte[] encoded;
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                encoded = encode(Math.max(end, start));
            }
            Bridge.submit(encoded);
        }

        private byte[] encode(long end) {
            Encoder e = new Encoder();
            e.u8(Encoder.VERSION)
                    .i64(context.traceIdHigh).i64(context.traceIdLow).i64(context.spanId)
                    .i64(parentSpanId).u8(parentRemote ? 1 : 0)
                    .u8(context.flags)
                    .i64(start).i64(end)
                    .u8(kind.ordinal()).u8(status.ordinal())
                    .str(tracer.name).str(tracer.version).str(name).str(statusMessage)
                    .u32(droppedAttributes).u32(droppedEvents).u32(0);
            e.attributes(attributes, attributes.size());
            e.u16(events.size());
            for (Object[] ev : events) {
                @SuppressWarnings("unchecked")
                List<Object[]> a = (List<Object[]>) ev[2];
                e.i64((Long) ev[0]).str((String) ev[1]).attributes(a, a.size());
            }
            e.u16(links.size());
            for (Object[] l : links) {
                SpanContext c = (SpanContext) l[0];
                Attributes a = (Attributes) l[1];
                e.i64(c.traceIdHigh).i64(c.traceIdLow).i64(c.spanId).u8(c.flags).u8(c.remote ? 1 : 0)
                        .attributes(a.entries, a.entries.size());
            }
            return e.toBytes();
        }
    }

    /** Stops writing after {@code limit} characters. */
    private static final class LimitedWriter extends java.io.Writer {
        private final StringWriter out;
        private int left;

        LimitedWriter(StringWriter out, int limit) {
            this.out = out;
            this.left = limit;
        }

        @Override
        public void write(char[] cbuf, int off, int len) {
            int n = Math.min(len, left);
            if (n > 0) {
                out.write(cbuf, off, n);
                left -= n;
            }
        }

        @Override public void flush() {}
        @Override public void close() {}
    }
}
