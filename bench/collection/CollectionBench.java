import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The collection benchmark's JVM side; {@code scripts/bench-collection.sh} runs each mode in its own JVM and
 * {@code report} turns their {@code RESULT} lines into the table. Modes:
 * <pre>
 *   ours SIZES WARMUP ROUNDS   floor and ours in this JVM (needs the test-hooks agent jar attached)
 *   jmx SIZES WARMUP ROUNDS PORT   time per scrape of jmx_exporter's endpoint (its agent attached)
 *   idle LABEL TASKS SETTLE_S INTERVALS INTERVAL_MS SINK_PORT   process CPU over K intervals, VmRSS (median)
 *   sink PORT                  an OTLP/HTTP receiver that accepts and drops everything (GET /stats: bytes)
 *   startup LABEL LAUNCH_EPOCH_NANOS   time from the launch to main()
 *   registrations SIZES ROUNDS   time to register a worker's MBeans with and without the agent's registration
 *                              listener (the agent jar on the class path), and the drain of what it counted
 *   free-port | report RESULTS_FILE
 * </pre>
 */
public final class CollectionBench {
    private CollectionBench() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "startup": {
                Instant now = Instant.now();
                long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
                result("startup", "label", args[1], "ms", ms(nanos - Long.parseLong(args[2])));
                return;
            }
            case "free-port":
                try (ServerSocket s = new ServerSocket(0)) {
                    System.out.println(s.getLocalPort());
                }
                return;
            case "ours":
                ours(sizes(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                return;
            case "jmx":
                jmx(sizes(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
                return;
            case "idle":
                idle(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                        Integer.parseInt(args[5]), Integer.parseInt(args[6]));
                return;
            case "sink":
                sink(Integer.parseInt(args[1]));
                return;
            case "registrations":
                registrations(sizes(args[1]), Integer.parseInt(args[2]));
                return;
            case "report":
                Report.print(Files.readAllLines(Path.of(args[1])));
                return;
            default:
                throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    // ---- registrations -------------------------------------------------------------------------------------

    /**
     * The cost on Connect's registering threads of the listener the agent adds to the MBeanServer: a worker of N
     * tasks registered (JmxReporter registering each MBean anew for each metric, as in Connect) without and with
     * the listener, alternating; and the collector thread's drain of what the listener counted.
     */
    static void registrations(int[] sizes, int rounds) throws Exception {
        Class<?> c = Class.forName("io.connectotel.agent.internal.Registrations");
        Method install = c.getDeclaredMethod("install", String[].class);
        Method uninstall = c.getDeclaredMethod("uninstall");
        Method drain = c.getDeclaredMethod("drain");
        for (Method m : new Method[] {install, uninstall, drain}) {
            m.setAccessible(true);
        }
        String[] domains = {"kafka.connect", "kafka.consumer", "kafka.producer"};
        for (int n : sizes) {
            List<Long> without = new ArrayList<>();
            List<Long> with = new ArrayList<>();
            List<Long> drains = new ArrayList<>();
            int names = 0;
            // One warm-up round, then alternating which side goes first.
            for (int r = 0; r <= rounds; r++) {
                for (int side = 0; side < 2; side++) {
                    boolean listening = (side + r) % 2 == 1;
                    if (listening && !(Boolean) install.invoke(null, (Object) domains)) {
                        throw new IllegalStateException("the listener did not install");
                    }
                    System.gc();
                    long begun = System.nanoTime();
                    ConnectWorker worker = new ConnectWorker();
                    worker.grow(n);
                    long took = System.nanoTime() - begun;
                    if (listening) {
                        long d = System.nanoTime();
                        String[] drained = (String[]) drain.invoke(null);
                        long drainNanos = System.nanoTime() - d;
                        uninstall.invoke(null);
                        names = drained.length - 1;
                        if (r > 0) drains.add(drainNanos);
                    }
                    worker.close();
                    if (r > 0) (listening ? with : without).add(took);
                }
            }
            result("registrations", "tasks", n, "without_ms", ms(median(without)), "with_ms", ms(median(with)),
                    "ratio", median(with) / (double) median(without), "drain_ms", ms(median(drains)), "names", names);
        }
    }

    // ---- floor and ours ------------------------------------------------------------------------------------

    /** Rounds of one side at one size: wall time per round, and CPU and Java heap per round. */
    static final class Side {
        final List<Long> nanos = new ArrayList<>();
        final List<Long> read = new ArrayList<>();
        final List<Long> map = new ArrayList<>();
        final List<Long> encode = new ArrayList<>();
        /** The read's Java work alone ({@code benchPaired}). */
        final List<Long> javaOnly = new ArrayList<>();
        /** Per paired round: ours ÷ floor, and the read's Java work alone ÷ floor. */
        final List<Double> ratios = new ArrayList<>();
        final List<Double> javaRatios = new ArrayList<>();
        long javaValues;
        long jniCallPicos;
        long cpu;
        long allocated;
        long rounds;
        long mbeans;
        long attributes;
        long series;
        long bytes;
    }

    static void ours(int[] sizes, int warmup, int rounds) throws Exception {
        Method collect = benchCollect();
        Method paired = testHook("benchPaired", int.class, Runnable.class);
        ConnectWorker worker = new ConnectWorker();
        Floor floor = new Floor();
        for (int n : sizes) {
            long begun = System.nanoTime();
            worker.grow(n);
            long built = System.nanoTime() - begun;
            System.gc();
            Side f = new Side();
            Side o = new Side();
            // CPU and heap per collection: blocks of rounds of each side, two alternating blocks so that
            // neither side gets all of a quiet or a busy stretch.
            for (int block = 0; block < 2; block++) {
                floorBlock(floor, warmup, rounds, f);
                oursBlock(collect, warmup, rounds, o);
            }
            // Times: rounds that run the floor, ours and the read's Java work next to each other.
            pairedRounds(paired, floor, warmup, 2 * rounds, f, o);
            result("ours", "tasks", n, "build_s", ms(built) / 1000, "mbeans", o.mbeans, "attrs", o.attributes,
                    "series", o.series, "floor_mbeans", f.mbeans, "floor_attrs", f.attributes,
                    "floor_ms", ms(median(f.nanos)), "ours_ms", ms(median(o.nanos)),
                    "ours_min_ms", ms(Collections.min(o.nanos)), "floor_min_ms", ms(Collections.min(f.nanos)),
                    "ratio", quantile(o.ratios, 0.5), "ratio_q1", quantile(o.ratios, 0.25),
                    "ratio_q3", quantile(o.ratios, 0.75), "java_ratio", quantile(o.javaRatios, 0.5),
                    "java_ratio_q1", quantile(o.javaRatios, 0.25), "java_ratio_q3", quantile(o.javaRatios, 0.75),
                    "read_ms", ms(median(o.read)), "map_ms", ms(median(o.map)), "encode_ms", ms(median(o.encode)),
                    "java_only_ms", ms(median(o.javaOnly)), "java_only_attrs", o.javaValues,
                    "jni_call_ns", o.jniCallPicos / 1000.0,
                    "request_bytes", o.bytes,
                    "floor_cpu_ms", ms(f.cpu / f.rounds), "ours_cpu_ms", ms(o.cpu / o.rounds),
                    "floor_bytes_per_attr", (double) f.allocated / f.rounds / f.attributes,
                    "ours_bytes_per_attr", (double) o.allocated / o.rounds / o.attributes, "rounds", o.ratios.size());
        }
    }

    static void floorBlock(Floor floor, int warmup, int rounds, Side side) {
        for (int i = 0; i < warmup; i++) {
            floor.collect();
        }
        long allocated = allocated();
        long cpu = processCpu();
        for (int i = 0; i < rounds; i++) {
            floor.collect();
        }
        side.cpu += processCpu() - cpu;
        side.allocated += allocated() - allocated;
        side.rounds += rounds;
        side.mbeans = floor.mbeans;
        side.attributes = floor.attributes;
    }

    /**
     * {@code benchCollect} builds its reader and encoder per call, so CPU and heap per round come from two
     * calls, {@code warmup} and {@code warmup + rounds} rounds long: their difference is {@code rounds} warm
     * rounds without the set-up.
     */
    static void oursBlock(Method collect, int warmup, int rounds, Side side) throws Exception {
        long a0 = allocated();
        long c0 = processCpu();
        invoke(collect, warmup);
        long a1 = allocated();
        long c1 = processCpu();
        invoke(collect, warmup + rounds);
        long a2 = allocated();
        long c2 = processCpu();
        side.cpu += (c2 - c1) - (c1 - c0);
        side.allocated += (a2 - a1) - (a1 - a0);
        side.rounds += rounds;
    }

    /**
     * {@code TestHooks.benchPaired}: {@code warmup + rounds} rounds, each timing the floor, one collection of
     * ours and the read's Java work alone next to each other ({@code src/jni/bench.rs}); the first
     * {@code warmup} rounds are dropped. Each round's ratios are taken within the round.
     */
    static void pairedRounds(Method paired, Floor floor, int warmup, int rounds, Side f, Side o) throws Exception {
        long[] r = invoke(paired, warmup + rounds, (Runnable) floor::collect);
        o.attributes = r[0];
        o.mbeans = r[1];
        o.series = r[2];
        o.bytes = r[3];
        o.javaValues = r[4];
        o.jniCallPicos = r[5];
        for (int i = warmup; i < warmup + rounds; i++) {
            int at = 6 + 5 * i;
            long floorNanos = r[at];
            long ours = r[at + 1] + r[at + 2] + r[at + 3];
            f.nanos.add(floorNanos);
            o.nanos.add(ours);
            o.read.add(r[at + 1]);
            o.map.add(r[at + 2]);
            o.encode.add(r[at + 3]);
            o.javaOnly.add(r[at + 4]);
            o.ratios.add((double) ours / floorNanos);
            o.javaRatios.add((double) r[at + 4] / floorNanos);
        }
    }

    static Method testHook(String name, Class<?>... parameters) throws Exception {
        Method m = Class.forName("io.connectotel.agent.internal.TestHooks").getDeclaredMethod(name, parameters);
        m.setAccessible(true);
        return m;
    }

    /** {@code TestHooks.benchCollect}, once the agent's daemon thread has loaded the library. */
    static Method benchCollect() throws Exception {
        Method m = testHook("benchCollect", int.class);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try {
                invoke(m, 1);
                return m;
            } catch (UnsatisfiedLinkError e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("benchCollect is not there: attach build/test/connect-otel-agent.jar "
                            + "(a test-hooks build) with -javaagent", e);
                }
                Thread.sleep(20);
            }
        }
    }

    static long[] invoke(Method m, Object... args) throws Exception {
        try {
            long[] r = (long[]) m.invoke(null, args);
            if (r == null) {
                throw new IllegalStateException(m.getName() + " failed (see the connect-otel line on stderr)");
            }
            return r;
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof Error) {
                throw (Error) e.getCause();
            }
            throw e;
        }
    }

    // ---- jmx_exporter ----------------------------------------------------------------------------------------

    static void jmx(int[] sizes, int warmup, int rounds, int port) throws Exception {
        ConnectWorker worker = new ConnectWorker();
        URL url = new URL("http://127.0.0.1:" + port + "/metrics");
        for (int n : sizes) {
            worker.grow(n);
            System.gc();
            for (int i = 0; i < warmup; i++) {
                scrape(url);
            }
            List<Long> nanos = new ArrayList<>();
            String body = "";
            for (int i = 0; i < rounds; i++) {
                long t = System.nanoTime();
                body = scrape(url);
                nanos.add(System.nanoTime() - t);
            }
            long samples = 0;
            long connect = 0;
            for (String line : body.split("\n")) {
                if (!line.isEmpty() && line.charAt(0) != '#') {
                    samples++;
                    if (line.startsWith("kafka_connect_")) {
                        connect++;
                    }
                }
            }
            result("jmx", "tasks", n, "scrape_ms", ms(median(nanos)), "scrape_min_ms", ms(Collections.min(nanos)),
                    "bytes", body.length(), "samples", samples, "connect_samples", connect, "rounds", rounds);
        }
    }

    static String scrape(URL url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url.openConnection();
        try (InputStream in = c.getInputStream()) {
            if (c.getResponseCode() != 200) {
                throw new IOException("scrape: HTTP " + c.getResponseCode());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    // ---- whole agents: process CPU over K intervals, RSS --------------------------------------------------

    static void idle(String label, int tasks, int settleSeconds, int intervals, int intervalMs, int sinkPort)
            throws Exception {
        ConnectWorker worker = new ConnectWorker();
        long begun = System.nanoTime();
        worker.grow(tasks);
        long built = System.nanoTime() - begun;
        long settle = settleSeconds * 1000L - ManagementFactory.getRuntimeMXBean().getUptime();
        if (settle > 0) {
            Thread.sleep(settle);
        }
        URL stats = new URL("http://127.0.0.1:" + sinkPort + "/stats");
        long[] before = sinkStats(stats);
        long cpu = processCpu();
        long t = System.nanoTime();
        // VmRSS every half second: a single reading lands in or out of an export at random.
        List<Long> rss = new ArrayList<>();
        long end = t + (long) intervals * intervalMs * 1_000_000L;
        for (long now = t; now < end; now = System.nanoTime()) {
            Thread.sleep(Math.min(500, Math.max(1, (end - now) / 1_000_000L)));
            rss.add(status("VmRSS"));
        }
        long cpuUsed = processCpu() - cpu;
        long wall = System.nanoTime() - t;
        long[] after = sinkStats(stats);
        result("idle", "label", label, "tasks", tasks, "build_s", ms(built) / 1000,
                "cpu_ms_per_interval", ms(cpuUsed) * intervalMs / (wall / 1e6), "rss_kb", median(rss),
                "rss_end_kb", status("VmRSS"),
                "rss_anon_kb", status("RssAnon"), "rss_file_kb", status("RssFile"),
                "export_requests", after[0] - before[0], "export_bytes_per_interval",
                (after[1] - before[1]) * intervalMs / (wall / 1e6), "intervals", intervals);
    }

    static long[] sinkStats(URL url) throws IOException {
        String[] w = scrape(url).trim().split(" ");
        return new long[] {Long.parseLong(w[0]), Long.parseLong(w[1])};
    }

    /** A value in kB from /proc/self/status. */
    static long status(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Accepts every OTLP/HTTP export at once with an empty 200 (a valid empty response) and counts bytes. */
    static void sink(int port) throws Exception {
        AtomicLong requests = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                long n = in.transferTo(java.io.OutputStream.nullOutputStream());
                byte[] response = new byte[0];
                if (exchange.getRequestURI().getPath().equals("/stats")) {
                    response = (requests.get() + " " + bytes.get() + "\n").getBytes(StandardCharsets.UTF_8);
                } else {
                    requests.incrementAndGet();
                    bytes.addAndGet(n);
                    exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                }
                exchange.sendResponseHeaders(200, response.length == 0 ? -1 : response.length);
                exchange.getResponseBody().write(response);
            } finally {
                exchange.close();
            }
        });
        server.start();
        System.out.println("sink listening on 127.0.0.1:" + port);
        System.out.flush();
        // Runs until the script ends it.
        Thread.sleep(Long.MAX_VALUE);
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static int[] sizes(String s) {
        String[] w = s.split(",");
        int[] out = new int[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = Integer.parseInt(w[i]);
        }
        return out;
    }

    static long median(List<Long> xs) {
        List<Long> sorted = new ArrayList<>(xs);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /** The value at fraction {@code q} of the sorted values (0.5: the median, as {@link #median}). */
    static double quantile(List<Double> xs, double q) {
        List<Double> sorted = new ArrayList<>(xs);
        Collections.sort(sorted);
        return sorted.get((int) (q * (sorted.size() - 1) + 0.5));
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static void result(String kind, Object... kv) {
        StringBuilder b = new StringBuilder("RESULT ").append(kind);
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            b.append(' ').append(kv[i]).append('=').append(v instanceof Double ? String.format("%.4f", v) : v);
        }
        System.out.println(b);
        System.out.flush();
    }
}
