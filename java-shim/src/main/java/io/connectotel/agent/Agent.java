package io.connectotel.agent;

import io.connectotel.agent.internal.Bootstrap;
import io.connectotel.agent.internal.BuildInfo;
import io.connectotel.agent.internal.otelapi.GlobalHook;
import java.lang.instrument.Instrumentation;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The {@code -javaagent} and attach entry point. Returns at once: loading the native library and everything
 * after it happen on a daemon thread, so the worker's start-up never waits for the agent.
 */
public final class Agent {
    /**
     * Set in the worker's JVM when the agent starts there (value: its version), so {@code attach} can see it from
     * outside and refuse a second start.
     */
    public static final String RUNNING_PROPERTY = "connect-otel.agent.version";

    // Two attaches can race past attach's property check; the JVM runs their agentmain calls one after the other
    // in this one class (the system class loader's), and only the first gets through.
    private static final AtomicBoolean STARTED = new AtomicBoolean();

    private Agent() {}

    public static void premain(String args, Instrumentation instrumentation) {
        agentmain(args, instrumentation);
    }

    public static void agentmain(String args, Instrumentation instrumentation) {
        try {
            if (!STARTED.compareAndSet(false, true)) {
                System.err.println("connect-otel: already running in this JVM (version "
                        + System.getProperty(RUNNING_PROPERTY, BuildInfo.version()) + "); this start does nothing");
                return;
            }
            System.setProperty(RUNNING_PROPERTY, BuildInfo.version());
            // Before any application class runs: the OpenTelemetry API asks for its global on first use.
            GlobalHook.offer(instrumentation);
            Thread starter = new Thread(() -> {
                Bootstrap.run(args);
                GlobalHook.recheck();
            }, "connect-otel-start");
            starter.setDaemon(true);
            starter.start();
        } catch (Throwable t) {
            System.err.println("connect-otel: disabled: cannot start: " + t);
        }
    }
}
