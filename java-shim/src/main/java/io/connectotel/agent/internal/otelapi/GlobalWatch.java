package io.connectotel.agent.internal.otelapi;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Names the owner of a {@code GlobalOpenTelemetry} that an application filled itself ({@code set}, e.g. an SDK's
 * {@code buildAndRegisterGlobal()}) before its first {@code get()}: the API never calls the hook then, so
 * {@link GlobalHook} would not know. A class file transformer that transforms nothing notes each class loader
 * that defines {@code GlobalOpenTelemetry}; a daemon thread of ours, alive only while such a copy has neither
 * been answered by the hook nor been seen filled, reads the copy's global now and then (after 5 s, then less
 * often, at most once a minute) and, when someone else filled it, says so in one line. Never throws.
 */
final class GlobalWatch implements ClassFileTransformer {
    private static final String CLASS = "io/opentelemetry/api/GlobalOpenTelemetry";
    private static final long FIRST_MS = 5_000;
    private static final long MAX_MS = 60_000;

    /** The copies the hook answered (ours, or the API's no-op it fell back to): already said. */
    private static final Map<Class<?>, Boolean> ANSWERED = Collections.synchronizedMap(new WeakHashMap<>());
    /** Class loaders that defined a copy not yet settled; guarded by itself. */
    private static final List<WeakReference<ClassLoader>> PENDING = new ArrayList<>();
    private static boolean watching; // guarded by PENDING

    private GlobalWatch() {}

    static void install(Instrumentation instrumentation) {
        try {
            if (instrumentation != null) {
                instrumentation.addTransformer(new GlobalWatch(), false);
            }
        } catch (Throwable t) {
            GlobalHook.log("GlobalOpenTelemetry set by an application will not be named: " + t);
        }
    }

    static void answered(Class<?> globalOpenTelemetry) {
        if (globalOpenTelemetry != null) {
            ANSWERED.put(globalOpenTelemetry, Boolean.TRUE);
        }
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain, byte[] bytes) {
        try {
            if (redefined == null && loader != null && CLASS.equals(className)) {
                synchronized (PENDING) {
                    PENDING.add(new WeakReference<>(loader));
                    if (!watching) {
                        watching = true;
                        Thread t = new Thread(GlobalWatch::watch, "connect-otel-global-watch");
                        t.setDaemon(true);
                        t.start();
                    }
                }
            }
        } catch (Throwable ignored) {
            // Only a log line is at stake.
        }
        return null; // never changes a class
    }

    private static void watch() {
        long wait = FIRST_MS;
        while (true) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return;
            }
            wait = Math.min(2 * wait, MAX_MS);
            List<WeakReference<ClassLoader>> now;
            synchronized (PENDING) {
                now = new ArrayList<>(PENDING);
            }
            List<WeakReference<ClassLoader>> settled = new ArrayList<>();
            for (WeakReference<ClassLoader> ref : now) {
                if (settle(ref)) {
                    settled.add(ref);
                }
            }
            synchronized (PENDING) {
                PENDING.removeAll(settled);
                if (PENDING.isEmpty() || !GlobalHook.on()) {
                    PENDING.clear();
                    watching = false;
                    return;
                }
            }
        }
    }

    /** Whether this copy needs no more looking at: gone, answered by the hook, or filled (and then named). */
    private static boolean settle(WeakReference<ClassLoader> ref) {
        try {
            ClassLoader loader = ref.get();
            if (loader == null) {
                return true; // collected
            }
            Class<?> global = Class.forName(CLASS.replace('/', '.'), false, loader);
            if (ANSWERED.containsKey(global)) {
                return true;
            }
            Field field = global.getDeclaredField("globalOpenTelemetry");
            field.setAccessible(true);
            Object value = field.get(null);
            if (value == null) {
                return false; // nobody asked yet: the hook may still be called
            }
            Object owner = value;
            if (owner.getClass().getName().endsWith("$ObfuscatedOpenTelemetry")) {
                Field delegate = owner.getClass().getDeclaredField("delegate");
                delegate.setAccessible(true);
                owner = delegate.get(owner);
            }
            if (owner != null && Proxy.isProxyClass(owner.getClass())
                    && Proxy.getInvocationHandler(owner) instanceof OpenTelemetryHandler) {
                return true; // ours (said when the hook answered)
            }
            GlobalHook.log("GlobalOpenTelemetry of " + GlobalHook.where(loader) + " is the application's own ("
                    + (owner == null ? "null" : owner.getClass().getName()) + "): connect-otel leaves it");
            return true;
        } catch (Throwable t) {
            return true; // cannot be read (a named module, a class gone): nothing to say
        }
    }
}
