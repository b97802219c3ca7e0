package io.connectotel.agent;

import io.connectotel.agent.internal.Bootstrap;
import java.lang.instrument.Instrumentation;

/**
 * The {@code -javaagent} entry point. Returns at once: loading the native library and everything after it
 * happen on a daemon thread, so the worker's start-up never waits for the agent.
 */
public final class Agent {
    private Agent() {}

    public static void premain(String args, Instrumentation instrumentation) {
        agentmain(args, instrumentation);
    }

    public static void agentmain(String args, Instrumentation instrumentation) {
        try {
            Thread starter = new Thread(() -> Bootstrap.run(args), "connect-otel-start");
            starter.setDaemon(true);
            starter.start();
        } catch (Throwable t) {
            System.err.println("connect-otel: disabled: cannot start: " + t);
        }
    }
}
