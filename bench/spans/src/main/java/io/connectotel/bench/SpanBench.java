package io.connectotel.bench;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * One span with three attributes (string, long, boolean), started and ended on the calling thread.
 *
 * <p>{@code ours}: the connect-otel tracing API with the real agent attached to the forked JVM (the script
 * passes {@code -javaagent:...connect-otel-agent.jar=...} through {@code -jvmArgsAppend}: sampler
 * {@code always_on}, OTLP/HTTP to 127.0.0.1:{@code bench.sink.port}): each span is encoded in Java, crosses
 * JNI once and is queued for the agent's export thread. {@code theirs}: the OpenTelemetry Java SDK, always-on
 * sampler, {@link BatchSpanProcessor} with its defaults (the agent's {@code otel.bsp.*} defaults are the same:
 * queue 2048, batch 512, 5 s) and the SDK's OTLP/HTTP exporter to the same address. Both tracers are obtained
 * once, as both APIs recommend. The agent is attached to every fork, so both sides run in JVMs started the
 * same way; each side has its own fork.
 *
 * {@code otelApi}: the span of {@code theirs}, written the same way against the OpenTelemetry API, with the
 * tracer from {@code GlobalOpenTelemetry}, which the agent makes connect-otel's (the API's autoconfigure hook;
 * no SDK is involved): what a connector written for the OpenTelemetry API costs on our agent.
 *
 * <p>{@link Collector#collector}: {@code sink}: an {@link OtlpSink} in the fork accepts every export at once,
 * so both export threads really export (their work competes for the 2 cores, on both sides) and drain their
 * queues as fast as they can; {@code closed}: nobody listens, both exporters retry with backoff, both queues
 * stay full and callers take the drop path (a collector that is down).
 */
public class SpanBench {

    /** Values outside the Long cache, as a record offset would be: boxing really allocates on both sides. */
    private static final long FIRST_OFFSET = 1_000_000_000L;

    @State(Scope.Benchmark)
    public static class Collector {
        @Param({"sink", "closed"})
        public String collector;

        OtlpSink sink;

        @Setup(Level.Trial)
        public void setUp() throws java.io.IOException {
            if ("sink".equals(collector)) {
                sink = new OtlpSink(port());
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (sink != null) {
                // Left open: the agent's final export at JVM exit still finds it.
                System.out.printf("%n[sink: %d spans received in %d exports]%n", sink.spans.get(), sink.requests.get());
            }
        }

        static int port() {
            return Integer.getInteger("bench.sink.port", 4318);
        }
    }

    @State(Scope.Benchmark)
    public static class Ours {
        io.connectotel.api.Tracer tracer;

        @Setup(Level.Trial)
        public void setUp(Collector collector) {
            AgentReady.await();
            tracer = io.connectotel.api.ConnectOtel.getTracer("bench");
        }
    }

    @State(Scope.Benchmark)
    public static class OtelApi {
        Tracer tracer;

        @Setup(Level.Trial)
        public void setUp(Collector collector) {
            AgentReady.await();
            tracer = GlobalOpenTelemetry.getTracer("bench");
            // The agent's implementation is a Proxy of the API's interfaces; anything else (the API's no-op, an
            // SDK) would measure something else.
            if (!Proxy.isProxyClass(tracer.getClass())) {
                throw new IllegalStateException("GlobalOpenTelemetry is not connect-otel's: its tracer is " + tracer.getClass());
            }
            io.opentelemetry.api.trace.Span probe = tracer.spanBuilder("ready").startSpan();
            if (!probe.isRecording()) {
                throw new IllegalStateException("a span through the OpenTelemetry API is not recorded");
            }
            probe.end();
        }
    }

    @State(Scope.Benchmark)
    public static class Theirs {
        /**
         * {@code otlp} (default): the SDK's OTLP/HTTP exporter to the same address as the agent, so both sides
         * do the same background work (the agent has no no-op exporter). {@code noop}: a SpanExporter that
         * accepts every batch at once: the SDK's best case (its worker is nearly free and its queue drains),
         * whatever {@link Collector#collector} says ({@code -p exporter=noop}).
         */
        @Param({"otlp"})
        public String exporter;

        SdkTracerProvider provider;
        Tracer tracer;

        @Setup(Level.Trial)
        public void setUp(Collector collector) {
            SpanExporter e = "noop".equals(exporter)
                    ? new NoopExporter()
                    : OtlpHttpSpanExporter.builder()
                            .setEndpoint("http://127.0.0.1:" + Collector.port() + "/v1/traces").build();
            provider = SdkTracerProvider.builder()
                    .setSampler(Sampler.alwaysOn())
                    .addSpanProcessor(BatchSpanProcessor.builder(e).build())
                    .build();
            tracer = provider.get("bench");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            provider.shutdown().join(5, TimeUnit.SECONDS);
        }
    }

    @State(Scope.Thread)
    public static class Offsets {
        long next = FIRST_OFFSET;
    }

    static final class NoopExporter implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    static void oursSpan(io.connectotel.api.Tracer tracer, long offset) {
        io.connectotel.api.Span span = tracer.spanBuilder("op").startSpan();
        span.setAttribute("kafka.topic", "orders");
        span.setAttribute("kafka.offset", offset);
        span.setAttribute("write.success", true);
        span.end();
    }

    static void theirsSpan(Tracer tracer, long offset) {
        io.opentelemetry.api.trace.Span span = tracer.spanBuilder("op").startSpan();
        span.setAttribute("kafka.topic", "orders");
        span.setAttribute("kafka.offset", offset);
        span.setAttribute("write.success", true);
        span.end();
    }

    // ---- cost of one span on one thread ------------------------------------------------------------------

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public void ours(Ours s, Offsets o) {
        oursSpan(s.tracer, o.next++);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public void theirs(Theirs s, Offsets o) {
        theirsSpan(s.tracer, o.next++);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public void otelApi(OtelApi s, Offsets o) {
        theirsSpan(s.tracer, o.next++);
    }

    // ---- sustained throughput, two calling threads ---------------------------------------------------------

    @Benchmark
    @Threads(2)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void ours2Threads(Ours s, Offsets o) {
        oursSpan(s.tracer, o.next++);
    }

    @Benchmark
    @Threads(2)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void theirs2Threads(Theirs s, Offsets o) {
        theirsSpan(s.tracer, o.next++);
    }

    @Benchmark
    @Threads(2)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public void otelApi2Threads(OtelApi s, Offsets o) {
        theirsSpan(s.tracer, o.next++);
    }
}
