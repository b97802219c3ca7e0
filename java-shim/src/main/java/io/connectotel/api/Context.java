package io.connectotel.api;

/**
 * What is current on this thread: the span that new spans take as their parent. Immutable; the current one is
 * kept per thread and changed only through {@link Span#makeCurrent()} / {@link #makeCurrent()}.
 */
public final class Context {
    private static final Context ROOT = new Context(null);
    private static final ThreadLocal<Context> CURRENT = new ThreadLocal<>();

    final Span span;

    private Context(Span span) {
        this.span = span;
    }

    public static Context root() {
        return ROOT;
    }

    public static Context current() {
        Context c = CURRENT.get();
        return c == null ? ROOT : c;
    }

    public Context with(Span span) {
        return new Context(span);
    }

    /** A context whose parent is a span from elsewhere (e.g. extracted from record headers). */
    public static Context fromRemote(SpanContext remote) {
        return new Context(remote != null && remote.isValid() ? Span.wrap(remote) : null);
    }

    /** The span of this context, or the invalid span. */
    public Span getSpan() {
        return span == null ? Span.getInvalid() : span;
    }

    public Scope makeCurrent() {
        Context previous = CURRENT.get();
        CURRENT.set(this);
        Thread owner = Thread.currentThread();
        return new Scope() {
            private boolean closed;

            @Override
            public void close() {
                // Only the thread that made it current can restore, and only once.
                if (closed || Thread.currentThread() != owner) {
                    return;
                }
                closed = true;
                if (previous == null) {
                    CURRENT.remove();
                } else {
                    CURRENT.set(previous);
                }
            }
        };
    }
}
