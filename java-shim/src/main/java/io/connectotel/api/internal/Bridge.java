package io.connectotel.api.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Finds the agent from any class loader. Connect gives each plugin its own class loader, and a connector may
 * bundle its own copy of this API; the agent's classes are always on the system class path. So the bridge
 * is looked up there, and only JDK types ({@link MethodHandle}, {@link AtomicReference}) cross between the
 * copies. Without an agent (or before it has started), every span is a no-op.
 *
 * <p>Spans go through the agent's {@code SUBMIT} handle, {@code (byte[] buffer, int length) -> boolean}, which
 * takes the calling thread's reused encoding buffer as it is.
 */
public final class Bridge {
    private static final MethodType SUBMIT_TYPE = MethodType.methodType(boolean.class, byte[].class, int.class);
    private static final MethodHandle SUBMIT;
    private static final AtomicReference<double[]> SETTINGS;
    private static final byte[] NO_SPAN = new byte[0];
    /** The agent dropped the last span submitted (by any thread): the next one asks for room first. */
    private static volatile boolean lastDropped;

    static {
        MethodHandle submit = null;
        AtomicReference<double[]> settings = null;
        try {
            Class<?> c = Class.forName("io.connectotel.agent.internal.SpanBridge", true, ClassLoader.getSystemClassLoader());
            @SuppressWarnings("unchecked")
            AtomicReference<double[]> t = (AtomicReference<double[]>) c.getField("SETTINGS").get(null);
            submit = ((MethodHandle) c.getField("SUBMIT").get(null)).asType(SUBMIT_TYPE);
            settings = t;
        } catch (Throwable absent) {
            // No agent in this JVM: the API stays a no-op.
            submit = null;
            settings = null;
        }
        SUBMIT = submit;
        SETTINGS = settings;
    }

    private Bridge() {}

    /** The agent's trace settings, or null when there is no running agent (spans are then no-ops). */
    public static double[] settings() {
        return SETTINGS == null ? null : SETTINGS.get();
    }

    /** Hands one finished span to the agent; false when it was not taken (queue full, agent stopped). */
    public static boolean submit(Encoder span) {
        boolean taken = submit(span.buffer(), span.length());
        if (lastDropped == taken) { // written only when it changes: a full queue stays full
            lastDropped = !taken;
        }
        return taken;
    }

    /**
     * Whether the span about to be encoded would be dropped, decided before the work of encoding it: after a
     * drop (a full queue stays full while the collector is down), the agent is asked first, and when its queue
     * is still full the span counts as dropped there and then.
     */
    public static boolean willDrop() {
        // A zero length asks for room only; spans are never empty.
        return lastDropped && !submit(NO_SPAN, 0);
    }

    /** Hands the span in {@code span} (the whole array) to the agent. */
    public static boolean submit(byte[] span) {
        return span != null && span.length > 0 && submit(span, span.length);
    }

    private static boolean submit(byte[] buffer, int length) {
        if (SUBMIT == null) {
            return false;
        }
        try {
            return (boolean) SUBMIT.invokeExact(buffer, length);
        } catch (Throwable t) {
            return false;
        }
    }
}
