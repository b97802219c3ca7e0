package io.connectotel.agent.internal;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * Where the tracing API (any copy of it, in any class loader) hands finished spans to the agent. Only JDK
 * types are exposed, so a connector's bundled API copy and the agent's copy can talk.
 */
public final class SpanBridge {
    /** Trace settings published once the native side has started; null means "no agent": spans are no-ops. */
    public static final AtomicReference<double[]> SETTINGS = new AtomicReference<>();

    /** Takes one encoded span; false when it was dropped (queue full or agent stopped). Never throws. */
    public static final Predicate<byte[]> SINK = span -> {
        if (SETTINGS.get() == null || span == null) {
            return false;
        }
        try {
            return NativeAgent.submitSpan(span);
        } catch (Throwable t) {
            return false;
        }
    };

    private SpanBridge() {}
}
