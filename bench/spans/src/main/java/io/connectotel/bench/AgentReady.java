package io.connectotel.bench;

import io.connectotel.api.internal.Bridge;
import io.connectotel.api.internal.Settings;

/** Waits until the agent attached to this JVM has started tracing, and checks that every span is recorded. */
final class AgentReady {
    private AgentReady() {}

    static void await() {
        long deadline = System.nanoTime() + 30_000_000_000L;
        double[] settings;
        while ((settings = Bridge.settings()) == null) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the connect-otel agent did not start tracing within 30 s: is "
                        + "-javaagent:build/connect-otel-agent.jar given, with a traces exporter? (see its stderr)");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        if ((int) settings[Settings.SAMPLER] != Settings.ALWAYS_ON) {
            throw new IllegalStateException("the agent's sampler is not always_on (otel.traces.sampler=always_on)");
        }
        io.connectotel.api.Span probe = io.connectotel.api.ConnectOtel.getTracer("bench-ready").spanBuilder("ready").startSpan();
        if (!probe.isRecording()) {
            throw new IllegalStateException("a root span is not recorded although the agent runs");
        }
        // Left unended on purpose: it is never exported and keeps nothing.
    }
}
