package io.connectotel.agent.internal.otelapi;

import java.lang.instrument.Instrumentation;
import java.net.URL;
import java.util.Enumeration;

/**
 * Makes {@code GlobalOpenTelemetry} connect-otel's, in every copy of the OpenTelemetry API, through the API's own
 * hook (see {@code io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk} in this jar): the agent
 * switches the hook on at {@code premain}, before any application class runs, and the API calls it on its first
 * {@code get()}, from whatever class loader it lives in. Polite: when someone else owns the global (the
 * OpenTelemetry Java agent, an OpenTelemetry SDK autoconfigure on the worker's class path, a user who switched
 * the hook off, an application that called {@code set} first), the hook stays off or is never asked, and one
 * line says who owns it ({@link GlobalWatch} for the last).
 */
public final class GlobalHook {
    static final String PROPERTY = "otel.java.global-autoconfigure.enabled";
    private static final String ENV = "OTEL_JAVA_GLOBAL_AUTOCONFIGURE_ENABLED";
    private static final String HOOK = "io/opentelemetry/sdk/autoconfigure/AutoConfiguredOpenTelemetrySdk.class";
    /** On the boot class path once the OpenTelemetry Java agent runs. */
    private static final String OTEL_JAVAAGENT = "io.opentelemetry.javaagent.bootstrap.AgentInitializer";

    /** Whether {@link #offer()} switched the hook on (and so may take it back). */
    private static volatile boolean offered;
    /** Whether the hook is on: switched on by {@link #offer()}, or by the user. */
    private static volatile boolean on;

    private GlobalHook() {}

    /**
     * At premain/agentmain: switches the API's hook on unless another owner is there, and then watches for copies
     * an application fills itself ({@link GlobalWatch}). Never throws.
     */
    public static void offer(Instrumentation instrumentation) {
        offer();
        if (on) {
            GlobalWatch.install(instrumentation);
        }
    }

    static boolean on() {
        return on;
    }

    private static void offer() {
        try {
            String other = otherOwner();
            if (other != null) {
                log("GlobalOpenTelemetry is left to " + other);
                return;
            }
            String configured = System.getProperty(PROPERTY);
            if (configured == null) {
                configured = System.getenv(ENV);
            }
            if (configured == null) {
                System.setProperty(PROPERTY, "true");
                offered = true;
                on = true;
            } else if (Boolean.parseBoolean(configured.trim())) {
                on = true;
            } else {
                log("GlobalOpenTelemetry is left to the application (" + PROPERTY + "=" + configured.trim() + ")");
            }
        } catch (Throwable t) {
            log("GlobalOpenTelemetry is not offered: " + t);
        }
    }

    /**
     * Once the agent has started: an OpenTelemetry Java agent that came after ours on the command line is there
     * now, and its instrumentation of {@code GlobalOpenTelemetry} wins; the hook is switched off again and the
     * owner named. Never throws.
     */
    public static void recheck() {
        try {
            if (offered && otelJavaAgent()) {
                offered = false;
                on = false;
                System.clearProperty(PROPERTY);
                log("GlobalOpenTelemetry is left to the OpenTelemetry Java agent");
            }
        } catch (Throwable t) {
            // Nothing else to do: the hook also looks for that agent whenever it is called.
        }
    }

    /** Who else owns GlobalOpenTelemetry, or null. */
    private static String otherOwner() throws Exception {
        if (otelJavaAgent()) {
            return "the OpenTelemetry Java agent";
        }
        // The system class loader loads the first of these: an SDK autoconfigure on the class path comes before
        // this jar (agents are appended to the class path).
        Enumeration<URL> hooks = ClassLoader.getSystemClassLoader().getResources(HOOK);
        URL first = hooks.hasMoreElements() ? hooks.nextElement() : null;
        URL ours = GlobalHook.class.getProtectionDomain().getCodeSource().getLocation();
        if (first != null && ours != null && !first.toString().contains(ours.getPath())) {
            return "the OpenTelemetry SDK autoconfigure on the class path (" + first + ")";
        }
        return null;
    }

    private static boolean otelJavaAgent() {
        try {
            Class.forName(OTEL_JAVAAGENT, false, null);
            return true;
        } catch (Throwable absent) {
            return false;
        }
    }

    /**
     * The {@code OpenTelemetry} for the API that {@code caller} (its {@code GlobalOpenTelemetry}) belongs to:
     * connect-otel's, or the API's no-op when this cannot be done; null only when not even that can be made
     * (the API then logs it and installs its no-op itself). Never throws.
     */
    public static Object openTelemetryFor(Class<?> caller) {
        ClassLoader loader = caller == null ? null : caller.getClassLoader();
        String where = where(loader);
        GlobalWatch.answered(caller);
        try {
            if (otelJavaAgent()) {
                log("GlobalOpenTelemetry of " + where + " is left to the OpenTelemetry Java agent");
                return OtelTypes.noop(loader);
            }
            OtelTypes types = new OtelTypes(loader);
            Object openTelemetry = types.newProxy(types.openTelemetry, new OpenTelemetryHandler(types));
            // As the SDK's initialize() does: the caller returns what it gets for this one call only, and reads
            // the global afterwards (it holds its lock, which this thread may take again).
            if (caller != null && caller.getName().equals("io.opentelemetry.api.GlobalOpenTelemetry")) {
                caller.getMethod("set", types.openTelemetry).invoke(null, openTelemetry);
            }
            String version = types.openTelemetry.getPackage() == null ? null : types.openTelemetry.getPackage().getImplementationVersion();
            log("GlobalOpenTelemetry of " + where + " is connect-otel's"
                    + (version == null ? "" : " (OpenTelemetry API " + version + ")"));
            return openTelemetry;
        } catch (Throwable t) {
            log("GlobalOpenTelemetry of " + where + " stays the OpenTelemetry no-op: " + t);
            try {
                return OtelTypes.noop(loader);
            } catch (Throwable alsoBroken) {
                return null;
            }
        }
    }

    static String where(ClassLoader loader) {
        return loader == ClassLoader.getSystemClassLoader() ? "the worker's class path" : "class loader " + cut(String.valueOf(loader));
    }

    private static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    static void log(String line) {
        System.err.println("connect-otel: " + line);
    }
}
