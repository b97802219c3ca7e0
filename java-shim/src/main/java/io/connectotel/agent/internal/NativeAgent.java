package io.connectotel.agent.internal;

/** The native library's entry points. Every one returns normally: the library never throws into Java. */
public final class NativeAgent {
    private NativeAgent() {}

    /** 0 when collection runs, 1 when the agent is disabled (the reason is already logged). */
    static native int start(String agentArgs, String[] otelProperties, String javaCommand);

    /** Stops collection and flushes; bounded in time. */
    static native void shutdown();

    static native int version();

    /** The library's own version (e.g. 0.1.0), for the self-check. */
    static native String libraryVersion();

    /**
     * The self-check's lines after the library is loaded (configuration, collector, worker properties), each
     * starting with its mark ({@code ✓}, {@code ✗}, {@code -}, or spaces for a detail); null after an internal
     * error. {@code workerConfig} (null for none) wins over {@code otel.connect.worker.config}. Blocks for at most
     * the export timeout plus a little: only {@code java -jar … check} calls it, never a worker.
     */
    static native String[] check(String agentArgs, String[] otelProperties, String workerConfig);

    /** Takes one encoded span (see the API's Encoder); false when dropped. */
    static native boolean submitSpan(byte[] buffer, int length);

    /** The trace settings for the API (see the API's Settings), or null when tracing is off. */
    static native double[] traceSettings();
}
