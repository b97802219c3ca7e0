package io.connectotel.agent.internal;

/** {@code attach <pid> [key=value,...]}: not written yet. */
public final class Attach {
    private Attach() {}

    public static int run(String[] args) {
        System.err.println("connect-otel: attach is not available yet");
        return 1;
    }
}
