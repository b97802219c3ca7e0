package io.connectotel.api;

import io.connectotel.api.internal.AttributeList;
import io.connectotel.api.internal.Bridge;
import io.connectotel.api.internal.Encoder;
import io.connectotel.api.internal.Settings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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

    private final SpanContext context;

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

    /**
     * A sampled span being recorded. Any thread may change or end it, so its mutable state is guarded by a
     * lock; normally one thread does everything, so the lock is a single compare-and-set on {@link #state}
     * (cheaper than a monitor's two), which also records that the span has ended.
     */
    static final class Recording extends Span {
        private static final byte SAMPLED = 1;
        private static final int OPEN = 0;
        private static final int LOCKED = 1;
        private static final int ENDED = 2;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Recording.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Tracer tracer;
        private final double[] settings;
        private final long traceIdHigh;
        private final long traceIdLow;
        private final long spanId;
        private final long parentSpanId;
        private final boolean parentRemote;
        /** The parent's {@code tracestate}, carried on unchanged. */
        private final String traceState;
        private final SpanKind kind;
        private final long start;
        private final List<Object[]> links;
        private final int droppedLinks;
        private SpanContext lazyContext; // made when first asked for (many spans are never asked)
        private AttributeList attributes; // made with the first attribute
        /** The attributes came from the span builder, which may still use them: copied before a change. */
        private boolean attributesShared;
        private List<Object[]> events; // {Long time, String name, List<Object[]> attrs}, made with the first event
        private String name;
        private StatusCode status = StatusCode.UNSET;
        private String statusMessage = "";
        private int droppedEvents;
        private volatile int state; // OPEN, LOCKED or ENDED

        Recording(Tracer tracer, double[] settings, String name, long traceIdHigh, long traceIdLow, long spanId,
                long parentSpanId, boolean parentRemote, String traceState, SpanKind kind, long start, AttributeList attributes,
                List<Object[]> links, int droppedLinks) {
            super(null);
            this.tracer = tracer;
            this.settings = settings;
            this.name = name == null ? "" : Settings.name(name);
            this.traceIdHigh = traceIdHigh;
            this.traceIdLow = traceIdLow;
            this.spanId = spanId;
            this.parentSpanId = parentSpanId;
            this.parentRemote = parentRemote;
            this.traceState = traceState;
            this.kind = kind == null ? SpanKind.INTERNAL : kind;
            this.start = start;
            this.links = links;
            this.droppedLinks = droppedLinks;
            this.attributes = attributes;
            this.attributesShared = attributes != null;
        }

        @Override
        public SpanContext getSpanContext() {
            SpanContext c = lazyContext;
            if (c == null) {
                // Immutable (final fields): a racing second copy is equal and harmless.
                lazyContext = c = new SpanContext(traceIdHigh, traceIdLow, spanId, SAMPLED, false, traceState);
            }
            return c;
        }

        @Override
        public boolean isRecording() {
            return state != ENDED;
        }

        /**
         * Takes the lock; false when the span has ended (the lock is then not taken). The code it guards calls
         * nothing that locks again and no code of the caller's, and finishes in bounded time, so a thread
         * that finds it taken spins briefly, then yields.
         */
        private boolean lock() {
            if (STATE.compareAndSet(this, OPEN, LOCKED)) {
                return true;
            }
            for (int spins = 0;; spins++) {
                int s = state;
                if (s == ENDED) {
                    return false;
                }
                if (s == OPEN && STATE.compareAndSet(this, OPEN, LOCKED)) {
                    return true;
                }
                if (spins < 100) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }

        private void unlock() {
            STATE.setRelease(this, OPEN);
        }

        /** The attributes to change, under the lock. */
        private AttributeList writableAttributes() {
            AttributeList a = attributes;
            if (a == null) {
                attributes = a = new AttributeList(settings);
            } else if (attributesShared) {
                attributes = a = a.copy();
                attributesShared = false;
            }
            return a;
        }

        /** Sets an attribute under the lock (see {@link AttributeList#put}); nothing once the span has ended. */
        private Span put(String key, int kind, Object ref, long bits) {
            if (lock()) {
                try {
                    writableAttributes().put(key, kind, ref, bits);
                } finally {
                    unlock();
                }
            }
            return this;
        }

        @Override public Span setAttribute(String key, String value) { return put(key, AttributeList.STRING, value, 0); }
        @Override public Span setAttribute(String key, long value) { return put(key, AttributeList.LONG, null, value); }
        @Override public Span setAttribute(String key, double value) { return put(key, AttributeList.DOUBLE, null, Double.doubleToRawLongBits(value)); }
        @Override public Span setAttribute(String key, boolean value) { return put(key, AttributeList.BOOLEAN, null, value ? 1 : 0); }
        @Override public Span setAttribute(String key, String... value) { return put(key, AttributeList.STRING_ARRAY, value, 0); }
        @Override public Span setAttribute(String key, long... value) { return put(key, AttributeList.LONG_ARRAY, value, 0); }
        @Override public Span setAttribute(String key, double... value) { return put(key, AttributeList.DOUBLE_ARRAY, value, 0); }
        @Override public Span setAttribute(String key, boolean... value) { return put(key, AttributeList.BOOLEAN_ARRAY, value, 0); }

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

        @Override
        public Span addEvent(String name) {
            return addEvent(name, Attributes.empty());
        }

        @Override
        public Span addEvent(String name, Attributes attrs) {
            if (name == null || state == ENDED) {
                return this;
            }
            int attributeLimit = Math.min((int) settings[Settings.ATTRIBUTE_COUNT_LIMIT], AttributeList.MAX_COUNT);
            List<Object[]> a = new ArrayList<>();
            int dropped = 0;
            if (attrs != null) {
                for (Object[] kv : attrs.entries) {
                    if (a.size() < attributeLimit) {
                        a.add(new Object[] {kv[0], bounded(kv[1])});
                    } else {
                        dropped++;
                    }
                }
            }
            Object[] event = {now(), Settings.name(name), a, dropped};
            if (lock()) {
                try {
                    if (events == null) {
                        events = new ArrayList<>(2);
                    }
                    if (events.size() < Math.min((int) settings[Settings.EVENT_COUNT_LIMIT], AttributeList.MAX_COUNT)) {
                        events.add(event);
                    } else {
                        droppedEvents++;
                    }
                } finally {
                    unlock();
                }
            }
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
        public Span setStatus(StatusCode code, String description) {
            if (code == null) {
                return this;
            }
            String message = code == StatusCode.ERROR && description != null ? (String) bounded(description) : "";
            if (lock()) {
                try {
                    if (status != StatusCode.OK) { // OK is final, as in the OpenTelemetry API
                        status = code;
                        statusMessage = message;
                    }
                } finally {
                    unlock();
                }
            }
            return this;
        }

        @Override
        public Span updateName(String name) {
            if (name != null && lock()) {
                try {
                    this.name = Settings.name(name);
                } finally {
                    unlock();
                }
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
            if (!lock()) {
                return; // ended before
            }
            // Ended: nobody changes the span any more, so it is encoded without holding the lock.
            STATE.setRelease(this, ENDED);
            try {
                if (Bridge.willDrop()) {
                    return; // the queue is full: dropped (and counted) without being encoded
                }
                Bridge.submit(encode(Encoder.forThread(), Math.max(end, start)));
            } catch (Throwable t) {
                // Never into the connector's code (e.g. no memory for a huge span): the span is lost.
            }
        }

        /** The span as the agent receives it (package-private for the unit tests). */
        Encoder encode(Encoder e, long end) {
            e.header(traceIdHigh, traceIdLow, spanId, parentSpanId, parentRemote, SAMPLED, start, end, kind.ordinal(),
                            status.ordinal())
                    .utf8(tracer.nameUtf8).utf8(tracer.versionUtf8).str(name).str(statusMessage).str(traceState)
                    .u32(attributes == null ? 0 : attributes.dropped()).u32(droppedEvents).u32(droppedLinks)
                    .attributes(attributes);
            if (events == null) {
                e.u16(0);
            } else {
                e.u16(events.size());
                for (Object[] ev : events) {
                    @SuppressWarnings("unchecked")
                    List<Object[]> a = (List<Object[]>) ev[2];
                    e.i64((Long) ev[0]).str((String) ev[1]).u32((Integer) ev[3]).attributes(a, a.size());
                }
            }
            e.u16(links.size());
            for (Object[] l : links) {
                SpanContext c = (SpanContext) l[0];
                Attributes a = (Attributes) l[1];
                int n = a.entries.size();
                // What the wire's count cannot carry is counted as dropped, like the agent's own limit.
                e.i64(c.traceIdHigh).i64(c.traceIdLow).i64(c.spanId).u8(c.flags).u8(c.remote ? 1 : 0).str(c.traceState)
                        .u32(n - Math.min(n, AttributeList.MAX_COUNT)).attributes(a.entries, n);
            }
            return e;
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
