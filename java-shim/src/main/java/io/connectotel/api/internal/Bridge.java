package io.connectotel.api.internal;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * Finds the agent from any class loader. Connect gives each plugin its own class loader, and a connector may
 * bundle its own copy of this API; the agent's classes are always on the system class path. So the bridge
 * is looked up there, and only JDK types ({@link Predicate}, {@link AtomicReference}) cross between the
 * copies. Without an agent (or before it has started), every span is a no-op.
 */
public final class Bridge {
    private static final Predicate<byte[]> SINK;
    private static final AtomicReference<double[]> SETTINGS;

    static {
        Predicate<byte[]> sink = null;
        AtomicReference<double[]> settings = null;
        try {
            Class<?> c = Class.forName("io.connectotel.agent.internal.SpanBridge", true, ClassLoader.getSystemClassLoader());
            @SuppressWarnings("unchecked")
            Predicate<byte[]> s = (Predicate<byte[]>) c.getField("SINK").get(null);
            @SuppressWarnings("unchecked")
            AtomicReference<double[]> t = (AtomicReference<double[]>) c.getField("SETTINGS").get(null);
            sink = s;
            settings = t;
        } catch (Throwable absent) {
            // No agent in this JVM: the API stays a no-op.
        }
        SINK = sink;
        SETTINGS = settings;
    }

    private Bridge() {}

    /** The agent's trace settings, or null when there is no running agent (spans are then no-ops). */
    public static double[] settings() {
        return SETTINGS == null ? null : SETTINGS.get();
    }

    /** Hands one finished span to the agent; false when it was not taken (queue full, agent stopped). */
    public static boolean submit(byte[] span) {
        try {
            return SINK != null && SINK.test(span);
        } catch (Throwable t) {
            return false;
        }
    }
}
