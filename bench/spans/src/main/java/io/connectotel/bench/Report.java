package io.connectotel.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * The result table: {@code Report DIR}. Reads JMH's CSV results ({@code DIR/jmh*.csv}, {@code -rf csv}) and the
 * drop probe's key=value files ({@code DIR/probe-*.txt}).
 */
public final class Report {
    private static final String PREFIX = "io.connectotel.bench.SpanBench.";

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        List<Row> jmh = new ArrayList<>();
        List<Properties> probes = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                String n = f.getFileName().toString();
                if (n.startsWith("jmh") && n.endsWith(".csv")) {
                    jmh.addAll(readJmh(f));
                } else if (n.startsWith("probe-") && n.endsWith(".txt")) {
                    Properties p = new Properties();
                    try (var r = Files.newBufferedReader(f)) {
                        p.load(r);
                    }
                    probes.add(p);
                }
            }
        }
        Properties versions = new Properties();
        try (InputStream in = Report.class.getResourceAsStream("/bench-versions.properties")) {
            if (in != null) {
                versions.load(in);
            }
        }
        System.out.printf(Locale.ROOT, "%nOne span, 3 attributes, start to end: connect-otel API + agent (ours) vs OpenTelemetry Java SDK %s (theirs)%n"
                        + "JMH %s, %s %s; score +- JMH's 99.9%% error; B/op = gc.alloc.rate.norm (Java heap, all threads);%n"
                        + "cycles and instructions: perf, whole JVM (caller, export threads, JIT, GC) per span%n",
                versions.getProperty("otel.sdk", "?"), versions.getProperty("jmh", "?"),
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        String line = "-".repeat(100);
        System.out.println(line);
        System.out.printf(Locale.ROOT, "%-40s %22s %22s %12s%n", "", "ours", "theirs", "ours/theirs");
        section(jmh, "collector down (closed port): both exporters retry, both queues full", "ours", "closed", "closed", "otlp");
        section(jmh, "collector up (OTLP/HTTP sink in the same JVM): both export", "ours", "sink", "sink", "otlp");
        section(jmh, "theirs with a no-op SpanExporter (the SDK's best case) vs ours, collector down", "ours", "closed", "closed", "noop");
        section(jmh, "the OpenTelemetry API on our agent (ours = otelApi: GlobalOpenTelemetry, no SDK) vs theirs, collector down",
                "otelApi", "closed", "closed", "otlp");
        section(jmh, "the OpenTelemetry API on our agent (ours = otelApi) vs theirs, collector up", "otelApi", "sink", "sink", "otlp");
        Properties ours = find(probes, "ours");
        Properties theirs = find(probes, "theirs");
        if (ours != null || theirs != null) {
            System.out.println(line);
            String threads = (ours != null ? ours : theirs).getProperty("threads");
            System.out.printf("drop probe: %s threads flooding for %s s, OTLP/HTTP to a sink in the same JVM%n", threads,
                    (ours != null ? ours : theirs).getProperty("measure_s"));
            row("  spans/s ended (API calls)", num(ours, "ended_per_s"), num(theirs, "ended_per_s"), "%.0f");
            row("  spans/s received by the sink", num(ours, "received_per_s_in_window"),
                    num(theirs, "received_per_s_in_window"), "%.0f");
            row("  spans ended (whole run)", num(ours, "ended_total"), num(theirs, "ended_total"), "%.0f");
            row("  spans dropped (whole run)", num(ours, "dropped_total"), num(theirs, "dropped_total"), "%.0f");
            row("  dropped %", num(ours, "dropped_pct"), num(theirs, "dropped_pct"), "%.2f");
            for (Properties p : probes) {
                System.out.printf("  %s: thread CPU in the window: %s%n", p.getProperty("mode"), p.getProperty("thread_cpu"));
            }
        }
        System.out.println(line);
        double[] o = get(jmh, "ours", "closed", null);
        double[] t = get(jmh, "theirs", "closed", "otlp");
        double[] o2 = get(jmh, "ours2Threads", "closed", null);
        if (o != null && t != null) {
            System.out.printf(Locale.ROOT, "target ours <= 0.5 x theirs (ns/op, collector down): %.2f -> %s%n", o[0] / t[0],
                    o[0] <= 0.5 * t[0] ? "met" : "NOT met");
        }
        for (String collector : new String[] {"closed", "sink"}) {
            String state = collector.equals("closed") ? "collector down" : "collector up";
            double[] a = get(jmh, "otelApi", collector, null);
            double[] at = get(jmh, "theirs", collector, "otlp");
            double[] ab = get(jmh, "otelApi:gc.alloc.rate.norm", collector, null);
            double[] tb = get(jmh, "theirs:gc.alloc.rate.norm", collector, "otlp");
            if (a != null && at != null) {
                System.out.printf(Locale.ROOT, "target OpenTelemetry API on ours <= 0.6 x theirs (ns/op, %s): %.2f -> %s%n", state,
                        a[0] / at[0], a[0] <= 0.6 * at[0] ? "met" : "NOT met");
            }
            if (ab != null && tb != null) {
                System.out.printf(Locale.ROOT, "target OpenTelemetry API on ours <= 0.6 x theirs (B/op, %s): %.2f -> %s%n", state,
                        ab[0] / tb[0], ab[0] <= 0.6 * tb[0] ? "met" : "NOT met");
            }
        }
        if (o2 != null) {
            System.out.printf(Locale.ROOT, "target ours >= 500,000 spans/s with 2 threads (collector down): %.0f -> %s%n", o2[0],
                    o2[0] >= 500_000 ? "met" : "NOT met");
        }
    }

    private static void section(List<Row> jmh, String title, String ours, String oursCollector, String theirsCollector,
            String exporter) {
        double[] o1 = get(jmh, ours, oursCollector, null);
        double[] t1 = get(jmh, "theirs", theirsCollector, exporter);
        if (o1 == null && t1 == null) {
            return;
        }
        System.out.println("-".repeat(100));
        System.out.println(title);
        row("  1 thread: time per span (ns/op)", o1, t1, "%.1f");
        row("  1 thread: allocated (B/op)", get(jmh, ours + ":gc.alloc.rate.norm", oursCollector, null),
                get(jmh, "theirs:gc.alloc.rate.norm", theirsCollector, exporter), "%.0f");
        row("  1 thread: CPU cycles/span (JVM, perf)", get(jmh, ours + ":cycles", oursCollector, null),
                get(jmh, "theirs:cycles", theirsCollector, exporter), "%.0f");
        row("  1 thread: instructions/span (JVM, perf)", get(jmh, ours + ":instructions", oursCollector, null),
                get(jmh, "theirs:instructions", theirsCollector, exporter), "%.0f");
        row("  2 threads: spans/s", get(jmh, ours + "2Threads", oursCollector, null),
                get(jmh, "theirs2Threads", theirsCollector, exporter), "%.0f");
        row("  2 threads: allocated (B/op)", get(jmh, ours + "2Threads:gc.alloc.rate.norm", oursCollector, null),
                get(jmh, "theirs2Threads:gc.alloc.rate.norm", theirsCollector, exporter), "%.0f");
        row("  2 threads: CPU cycles/span (JVM, perf)", get(jmh, ours + "2Threads:cycles", oursCollector, null),
                get(jmh, "theirs2Threads:cycles", theirsCollector, exporter), "%.0f");
    }

    record Row(String benchmark, String collector, String exporter, double score, double error) {}

    private static double[] get(List<Row> rows, String benchmark, String collector, String exporter) {
        for (Row r : rows) {
            if (r.benchmark.equals(benchmark) && r.collector.equals(collector)
                    && (exporter == null || r.exporter.equals(exporter))) {
                return new double[] {r.score, r.error};
            }
        }
        return null;
    }

    private static Properties find(List<Properties> probes, String mode) {
        return probes.stream().filter(p -> mode.equals(p.getProperty("mode"))).findFirst().orElse(null);
    }

    private static double[] num(Properties p, String key) {
        if (p == null || p.getProperty(key) == null) {
            return null;
        }
        return new double[] {Double.parseDouble(p.getProperty(key)), Double.NaN};
    }

    private static void row(String what, double[] ours, double[] theirs, String fmt) {
        if (ours == null && theirs == null) {
            return;
        }
        String ratio = ours != null && theirs != null && theirs[0] != 0
                ? String.format(Locale.ROOT, "%.2f", ours[0] / theirs[0]) : "-";
        System.out.printf(Locale.ROOT, "%-40s %22s %22s %12s%n", what, cell(ours, fmt), cell(theirs, fmt), ratio);
    }

    private static String cell(double[] v, String fmt) {
        if (v == null) {
            return "-";
        }
        String s = String.format(Locale.ROOT, fmt, v[0]);
        if (!Double.isNaN(v[1])) {
            s += " +- " + String.format(Locale.ROOT, fmt, v[1]);
        }
        return s;
    }

    /** JMH's CSV result: one row per benchmark (without the class prefix, with ":secondary") and parameters. */
    static List<Row> readJmh(Path csv) throws IOException {
        List<Row> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv);
        if (lines.isEmpty()) {
            return rows;
        }
        List<String> header = split(lines.get(0));
        int name = header.indexOf("Benchmark");
        int score = header.indexOf("Score");
        int error = header.indexOf("Score Error (99.9%)");
        int collector = header.indexOf("Param: collector");
        int exporter = header.indexOf("Param: exporter");
        for (String l : lines.subList(1, lines.size())) {
            List<String> f = split(l);
            if (f.size() < header.size()) {
                continue;
            }
            String b = f.get(name);
            if (b.startsWith(PREFIX)) {
                b = b.substring(PREFIX.length());
            }
            rows.add(new Row(b, collector < 0 ? "" : f.get(collector), exporter < 0 ? "" : f.get(exporter),
                    parse(f.get(score)), parse(f.get(error))));
        }
        return rows;
    }

    private static double parse(String s) {
        try {
            return Double.parseDouble(s.replace(',', '.'));
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** One CSV line as JMH writes it (fields optionally in double quotes, no embedded quotes). */
    private static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
