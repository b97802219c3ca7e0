package io.connectotel.agent.internal;

/**
 * The test-hooks build's extra entry points (feature {@code test-hooks} of the library). Compiled only into
 * {@code build/test/connect-otel-agent.jar} ({@code scripts/build.sh --test}): the shipped jar has neither this
 * class nor a library that implements it. Bound to the library {@link NativeLoader} loaded, like
 * {@link NativeAgent}: same jar, same class loader. Tests and the benchmark call these by reflection.
 */
final class TestHooks {
    private TestHooks() {}

    /** Panics on purpose inside the library, to show that the panic never reaches the JVM. */
    static native int panicForTest(String message);

    /**
     * Runs {@code rounds} full collections on the calling thread for the collection benchmark
     * ({@code bench/collection/}) and returns {@code [attributes, mbeans, series, bytes, readNanos, mapNanos,
     * encodeNanos, ...]}, one triple per round.
     */
    static native long[] benchCollect(int rounds);

    /**
     * The collection benchmark's paired rounds, each running {@code floor}, one full collection and the read's
     * Java work alone next to each other; {@code [attributes, mbeans, series, bytes, javaValues, jniCallPicos,
     * floorNanos, readNanos, mapNanos, encodeNanos, javaOnlyNanos, ...]}, one quintuple per round
     * ({@code src/jni/bench.rs}).
     */
    static native long[] benchPaired(int rounds, Runnable floor);
}
