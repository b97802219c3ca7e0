package io.connectotel.bench;

import io.connectotel.api.internal.Bridge;
import io.connectotel.api.internal.Encoder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Diagnostics, not run by default ({@code scripts/bench-spans.sh --parts}): where {@link SpanBench#ours}'s
 * time goes. {@code record}: start the span and set the three attributes, never end it (nothing is exported
 * or kept). {@code encode}: the same bytes {@code end()} builds, with the API's public {@link Encoder}.
 * {@code submit}: only the hand-off of such a byte array (JNI into the agent's bounded queue), counting how
 * many the queue took and dropped.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PartsBench {

    @State(Scope.Benchmark)
    public static class Agent {
        io.connectotel.api.Tracer tracer;
        byte[] encoded;

        @Setup(Level.Trial)
        public void setUp() {
            AgentReady.await();
            tracer = io.connectotel.api.ConnectOtel.getTracer("bench");
            encoded = encode(1, 2, 3, 1_000_000_000L);
        }
    }

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Taken {
        public long accepted;
        public long dropped;
        long offset = 1_000_000_000L;
    }

    /** The layout of Span.Recording.encode for the benchmark's span (version 1). */
    static byte[] encode(long traceHigh, long traceLow, long spanId, long offset) {
        List<Object[]> attrs = new ArrayList<>(3);
        attrs.add(new Object[] {"kafka.topic", "orders"});
        attrs.add(new Object[] {"kafka.offset", offset});
        attrs.add(new Object[] {"write.success", Boolean.TRUE});
        long now = System.currentTimeMillis() * 1_000_000L;
        Encoder e = new Encoder();
        e.u8(Encoder.VERSION).i64(traceHigh).i64(traceLow).i64(spanId).i64(0).u8(0).u8(1).i64(now).i64(now + 1000)
                .u8(0).u8(0).str("bench").str("").str("op").str("").u32(0).u32(0).u32(0);
        e.attributes(attrs, attrs.size());
        e.u16(0);
        e.u16(0);
        return e.toBytes();
    }

    @Benchmark
    public io.connectotel.api.Span record(Agent a, Taken t) {
        io.connectotel.api.Span span = a.tracer.spanBuilder("op").startSpan();
        span.setAttribute("kafka.topic", "orders");
        span.setAttribute("kafka.offset", t.offset++);
        span.setAttribute("write.success", true);
        return span;
    }

    @Benchmark
    public byte[] encode(Taken t) {
        return encode(t.offset, t.offset, t.offset, t.offset++);
    }

    @Benchmark
    public void submit(Agent a, Taken t) {
        if (Bridge.submit(a.encoded)) {
            t.accepted++;
        } else {
            t.dropped++;
        }
    }
}
