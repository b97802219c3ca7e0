package io.connectotel.bench;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Java-heap bytes allocated by each step of the benchmark's span, on the calling thread, averaged over many
 * warmed-up spans (HotSpot's per-thread allocation counter read between steps; the reads themselves allocate
 * nothing, which the "empty" row checks). Native memory (the agent's copy of the span) is not Java heap and
 * is not counted, as in JMH's gc.alloc.rate.norm. Usage: {@code AllocBreakdown ours|theirs} (ours needs the
 * agent attached, as for the benchmark).
 */
public final class AllocBreakdown {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final String[] STEPS = {"empty", "spanBuilder(\"op\")", "startSpan()", "setAttribute(String, String)",
        "setAttribute(String, long)", "setAttribute(String, boolean)", "end()"};

    public static void main(String[] args) {
        String mode = args.length > 0 ? args[0] : "ours";
        long[] bytes = new long[STEPS.length];
        SdkTracerProvider provider = null;
        io.connectotel.api.Tracer ours = null;
        Tracer theirs = null;
        if (mode.equals("ours")) {
            AgentReady.await();
            ours = io.connectotel.api.ConnectOtel.getTracer("bench");
        } else {
            provider = SdkTracerProvider.builder().setSampler(Sampler.alwaysOn())
                    .addSpanProcessor(BatchSpanProcessor.builder(new SpanBench.NoopExporter()).build()).build();
            theirs = provider.get("bench");
        }
        int warm = 300_000;
        int measured = 200_000;
        long offset = 1_000_000_000L;
        for (int i = 0; i < warm + measured; i++) {
            boolean count = i >= warm;
            long[] b = count ? bytes : new long[STEPS.length];
            long t0 = THREADS.getCurrentThreadAllocatedBytes();
            long t1 = THREADS.getCurrentThreadAllocatedBytes();
            b[0] += t1 - t0;
            if (ours != null) {
                io.connectotel.api.SpanBuilder sb = ours.spanBuilder("op");
                long t2 = THREADS.getCurrentThreadAllocatedBytes();
                io.connectotel.api.Span s = sb.startSpan();
                long t3 = THREADS.getCurrentThreadAllocatedBytes();
                s.setAttribute("kafka.topic", "orders");
                long t4 = THREADS.getCurrentThreadAllocatedBytes();
                s.setAttribute("kafka.offset", offset++);
                long t5 = THREADS.getCurrentThreadAllocatedBytes();
                s.setAttribute("write.success", true);
                long t6 = THREADS.getCurrentThreadAllocatedBytes();
                s.end();
                long t7 = THREADS.getCurrentThreadAllocatedBytes();
                b[1] += t2 - t1; b[2] += t3 - t2; b[3] += t4 - t3; b[4] += t5 - t4; b[5] += t6 - t5; b[6] += t7 - t6;
            } else {
                io.opentelemetry.api.trace.SpanBuilder sb = theirs.spanBuilder("op");
                long t2 = THREADS.getCurrentThreadAllocatedBytes();
                io.opentelemetry.api.trace.Span s = sb.startSpan();
                long t3 = THREADS.getCurrentThreadAllocatedBytes();
                s.setAttribute("kafka.topic", "orders");
                long t4 = THREADS.getCurrentThreadAllocatedBytes();
                s.setAttribute("kafka.offset", offset++);
                long t5 = THREADS.getCurrentThreadAllocatedBytes();
                s.setAttribute("write.success", true);
                long t6 = THREADS.getCurrentThreadAllocatedBytes();
                s.end();
                long t7 = THREADS.getCurrentThreadAllocatedBytes();
                b[1] += t2 - t1; b[2] += t3 - t2; b[3] += t4 - t3; b[4] += t5 - t4; b[5] += t6 - t5; b[6] += t7 - t6;
            }
        }
        System.out.printf(Locale.ROOT, "%s: Java-heap bytes per span on the calling thread, by step (%d spans)%n", mode, measured);
        long total = 0;
        for (int i = 0; i < STEPS.length; i++) {
            double per = (double) bytes[i] / measured;
            if (i > 0) {
                total += bytes[i];
            }
            System.out.printf(Locale.ROOT, "  %-32s %8.1f%n", STEPS[i], per);
        }
        System.out.printf(Locale.ROOT, "  %-32s %8.1f%n", "total", (double) total / measured);
        if (provider != null) {
            provider.shutdown().join(10, TimeUnit.SECONDS);
        }
        System.exit(0);
    }
}
