package io.opentelemetry.sdk.autoconfigure;

import io.connectotel.agent.internal.otelapi.GlobalHook;

/**
 * The OpenTelemetry API's documented way to fill {@code GlobalOpenTelemetry}: on the first
 * {@code GlobalOpenTelemetry.get()}, with {@code otel.java.global-autoconfigure.enabled=true}, the API looks
 * this class up by name from its own class loader, calls {@code initialize()} and then
 * {@code getOpenTelemetrySdk()}, and casts the result to its {@code OpenTelemetry}. The agent jar is on the
 * system class path, so every copy of the API finds this class: on the worker's class path directly, in a
 * plugin's class loader through its parent. It is not the SDK: it hands back connect-otel's implementation of
 * the caller's own API interfaces ({@link GlobalHook}); nothing else of the SDK's class is offered.
 */
public final class AutoConfiguredOpenTelemetrySdk {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    private final Object openTelemetry;

    private AutoConfiguredOpenTelemetrySdk(Object openTelemetry) {
        this.openTelemetry = openTelemetry;
    }

    /** Called reflectively by {@code GlobalOpenTelemetry}, which is the caller (reflection frames are skipped). */
    public static AutoConfiguredOpenTelemetrySdk initialize() {
        return new AutoConfiguredOpenTelemetrySdk(GlobalHook.openTelemetryFor(WALKER.getCallerClass()));
    }

    /** An {@code io.opentelemetry.api.OpenTelemetry} of the caller's class loader. */
    public Object getOpenTelemetrySdk() {
        return openTelemetry;
    }
}
