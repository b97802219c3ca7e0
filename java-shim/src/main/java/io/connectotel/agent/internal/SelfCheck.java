package io.connectotel.agent.internal;

/** {@code check [--endpoint URL] [--worker-config FILE]}: not written yet. */
public final class SelfCheck {
    private SelfCheck() {}

    public static int run(String[] args) {
        System.err.println("connect-otel: check is not available yet");
        return 1;
    }
}
