package io.connectotel.bench;

import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How many spans survive a sustained flood. N threads end spans (the benchmark's span) as fast as they can
 * for a while; every span goes over OTLP/HTTP to an {@link OtlpSink} in this JVM that accepts everything at
 * once. After the flood and a drain, {@code dropped = ended - received}: the sink never refuses, so a span
 * that was ended and never arrived was dropped by a full queue (the agent's {@code connect_otel.spans.dropped}
 * counts the same spans; the BatchSpanProcessor's {@code processedSpans{dropped=true}} likewise).
 *
 * <p>Usage: {@code DropProbe ours|theirs THREADS WARMUP_S MEASURE_S SINK_PORT OUT_FILE}. For {@code ours}
 * the agent must be attached with {@code otel.exporter.otlp.endpoint=http://127.0.0.1:SINK_PORT,
 * otel.exporter.otlp.protocol=http/protobuf,otel.bsp.schedule.delay=1000,otel.traces.sampler=always_on};
 * {@code theirs} uses the SDK's OTLP/HTTP exporter with the same batching (queue 2048, batch 512, 1 s).
 */
public final class DropProbe {
    static final long SCHEDULE_DELAY_MS = 1000;
    static volatile boolean stop;

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: DropProbe ours|theirs THREADS WARMUP_S MEASURE_S SINK_PORT OUT_FILE");
            System.exit(2);
        }
        String mode = args[0];
        int threads = Integer.parseInt(args[1]);
        double warmup = Double.parseDouble(args[2]);
        double measure = Double.parseDouble(args[3]);
        int port = Integer.parseInt(args[4]);
        Path out = Path.of(args[5]);

        OtlpSink sink = new OtlpSink(port);
        SdkTracerProvider provider = null;
        long[] offsets = new long[threads];
        if (mode.equals("ours")) {
            AgentReady.await();
            io.connectotel.api.Tracer tracer = io.connectotel.api.ConnectOtel.getTracer("bench");
            runners = i -> () -> SpanBench.oursSpan(tracer, offsets[i]++);
        } else if (mode.equals("theirs")) {
            provider = SdkTracerProvider.builder()
                    .setSampler(Sampler.alwaysOn())
                    .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                                    .setEndpoint("http://127.0.0.1:" + port + "/v1/traces").build())
                            .setScheduleDelay(SCHEDULE_DELAY_MS, TimeUnit.MILLISECONDS)
                            .setMaxQueueSize(2048)
                            .setMaxExportBatchSize(512)
                            .build())
                    .build();
            Tracer tracer = provider.get("bench");
            runners = i -> () -> SpanBench.theirsSpan(tracer, offsets[i]++);
        } else {
            throw new IllegalArgumentException("mode: ours or theirs");
        }

        AtomicLongArray ended = new AtomicLongArray(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int i = t;
            offsets[i] = 1_000_000_000L + i * 1_000_000_000_000L;
            Runnable span = runners.make(i);
            Thread w = new Thread(() -> {
                long n = 0;
                while (!stop) {
                    span.run();
                    if ((++n & 255) == 0) {
                        ended.lazySet(i, n);
                    }
                }
                ended.set(i, n);
            }, "caller-" + i);
            workers.add(w);
        }
        workers.forEach(Thread::start);
        Thread.sleep((long) (warmup * 1000));
        long n0 = sum(ended);
        long received0 = sink.spans.get();
        Map<String, Long> cpu0 = threadTicks();
        long t0 = System.nanoTime();
        Thread.sleep((long) (measure * 1000));
        long n1 = sum(ended);
        long received1 = sink.spans.get();
        long t1 = System.nanoTime();
        Map<String, Long> cpu1 = threadTicks();
        stop = true;
        for (Thread w : workers) {
            w.join();
        }
        long total = sum(ended);
        if (provider != null) {
            provider.forceFlush().join(10, TimeUnit.SECONDS);
        }
        // Drain: wait until everything arrived or nothing more arrives for two schedule delays.
        long last = -1;
        long stableSince = System.nanoTime();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            long r = sink.spans.get();
            if (r >= total) {
                break;
            }
            if (r != last) {
                last = r;
                stableSince = System.nanoTime();
            } else if (System.nanoTime() - stableSince > TimeUnit.MILLISECONDS.toNanos(2 * SCHEDULE_DELAY_MS + 500)) {
                break;
            }
            Thread.sleep(50);
        }
        long received = sink.spans.get();
        if (provider != null) {
            provider.shutdown().join(10, TimeUnit.SECONDS);
        }
        double seconds = (t1 - t0) / 1e9;
        long dropped = total - received;
        StringBuilder cpu = new StringBuilder();
        double wallTicks = seconds * 100; // USER_HZ is 100 on Linux
        cpu1.entrySet().stream()
                .map(e -> Map.entry(e.getKey(), e.getValue() - cpu0.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() / wallTicks >= 0.02)
                .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                .forEach(e -> cpu.append(cpu.length() == 0 ? "" : ";")
                        .append(e.getKey().replace(' ', '_')).append(':')
                        .append(Math.round(100 * e.getValue() / wallTicks)).append('%'));
        String result = String.format(Locale.ROOT,
                "mode=%s%nthreads=%d%nmeasure_s=%.2f%nended_per_s=%.0f%nreceived_per_s_in_window=%.0f%n"
                        + "ended_total=%d%nreceived_total=%d%ndropped_total=%d%ndropped_pct=%.2f%n"
                        + "export_requests=%d%nmalformed_requests=%d%nthread_cpu=%s%n",
                mode, threads, seconds, (n1 - n0) / seconds, (received1 - received0) / seconds,
                total, received, dropped, total == 0 ? 0.0 : 100.0 * dropped / total,
                sink.requests.get(), sink.malformed.get(), cpu);
        Files.writeString(out, result);
        System.out.print(result);
        sink.close();
        System.exit(0); // the agent's shutdown hook still runs (bounded)
    }

    interface Runners {
        Runnable make(int thread);
    }

    private static Runners runners;

    private static long sum(AtomicLongArray a) {
        long s = 0;
        for (int i = 0; i < a.length(); i++) {
            s += a.get(i);
        }
        return s;
    }

    /** CPU ticks (user + system) per thread name, from /proc (native threads too); empty elsewhere. */
    private static Map<String, Long> threadTicks() {
        Map<String, Long> m = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(open + 1, close);
                    String[] f = stat.substring(close + 2).split(" ");
                    // After "(comm) ": state is f[0]; utime and stime are fields 14 and 15 of stat, f[11], f[12].
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    m.merge(name, ticks, Long::sum);
                } catch (IOException | RuntimeException gone) {
                    // The thread ended meanwhile.
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux.
        }
        return m;
    }
}
