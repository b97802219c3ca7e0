package io.connectotel.agent.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the tracing API (any copy of it, in any class loader) hands finished spans to the agent. Only JDK
 * types are exposed, so a connector's bundled API copy and the agent's copy can talk.
 */
public final class SpanBridge {
    /** Trace settings published once the native side has started; null means "no agent": spans are no-ops. */
    public static final AtomicReference<double[]> SETTINGS = new AtomicReference<>();

    /**
     * {@code boolean submit(byte[] buffer, int length)}: takes the span encoded in the first {@code length}
     * bytes of {@code buffer} (the caller's reused buffer: the agent copies what it keeps); false when it was
     * dropped (queue full or agent stopped). A zero length asks whether the queue has room, before the caller
     * encodes a span: false means no, and the span counts as dropped. Never throws.
     */
    public static final MethodHandle SUBMIT;

    static {
        try {
            SUBMIT = MethodHandles.lookup().findStatic(SpanBridge.class, "submit",
                    MethodType.methodType(boolean.class, byte[].class, int.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private SpanBridge() {}

    private static boolean submit(byte[] buffer, int length) {
        if (SETTINGS.get() == null || buffer == null || length < 0 || length > buffer.length) {
            return false;
        }
        try {
            return NativeAgent.submitSpan(buffer, length);
        } catch (Throwable t) {
            return false;
        }
    }
}
