import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Turns the {@code RESULT} lines of one run into the benchmark's table, ratios and target verdicts. */
final class Report {
    private Report() {}

    private final List<Map<String, String>> results = new ArrayList<>();

    static void print(List<String> lines) {
        Report r = new Report();
        for (String line : lines) {
            if (!line.startsWith("RESULT ")) {
                continue;
            }
            String[] w = line.split(" ");
            Map<String, String> m = new HashMap<>();
            m.put("kind", w[1]);
            for (int i = 2; i < w.length; i++) {
                int eq = w[i].indexOf('=');
                m.put(w[i].substring(0, eq), w[i].substring(eq + 1));
            }
            r.results.add(m);
        }
        r.print();
    }

    private Map<String, String> find(String kind, String... kv) {
        for (Map<String, String> m : results) {
            boolean match = m.get("kind").equals(kind);
            for (int i = 0; match && i < kv.length; i += 2) {
                match = kv[i + 1].equals(m.get(kv[i]));
            }
            if (match) {
                return m;
            }
        }
        return null;
    }

    private List<Map<String, String>> all(String kind, String... kv) {
        List<Map<String, String>> out = new ArrayList<>();
        for (Map<String, String> m : results) {
            boolean match = m.get("kind").equals(kind);
            for (int i = 0; match && i < kv.length; i += 2) {
                match = kv[i + 1].equals(m.get(kv[i]));
            }
            if (match) {
                out.add(m);
            }
        }
        return out;
    }

    private static double d(Map<String, String> m, String key) {
        String v = m == null ? null : m.get(key);
        return v == null || v.isEmpty() ? Double.NaN : Double.parseDouble(v);
    }

    /** Process CPU per interval of an agent's JVM above the same JVM without an agent. */
    private double agentCost(String label, String tasks) {
        return idle(label, tasks, "cpu_ms_per_interval") - idle("none", tasks, "cpu_ms_per_interval");
    }

    /** The median of {@code key} over the whole-agent runs of {@code label} at {@code tasks} (some are repeated). */
    private double idle(String label, String tasks, String key) {
        List<Double> xs = new ArrayList<>();
        for (Map<String, String> m : all("idle", "label", label, "tasks", tasks)) {
            xs.add(d(m, key));
        }
        return median(xs);
    }

    private static String f(double v, String format) {
        return Double.isNaN(v) ? "-" : String.format(format, v);
    }

    private static String verdict(double v, double target, boolean atMost) {
        if (Double.isNaN(v)) {
            return "not measured";
        }
        return (atMost ? v <= target : v >= target) ? "met" : "MISSED";
    }

    private void print() {
        TreeSet<Integer> sizes = new TreeSet<>();
        for (Map<String, String> m : all("ours")) {
            sizes.add(Integer.parseInt(m.get("tasks")));
        }
        System.out.println();
        System.out.printf("%6s %7s %7s %7s | %8s %8s %6s | %9s %6s | %9s %6s | %9s | %12s%n", "tasks", "MBeans",
                "attrs", "series", "floor ms", "ours ms", "÷floor", "jmx ms", "jmx÷", "otel ms", "otel÷",
                "agent ms", "heap B/attr");
        double last = Double.NaN;
        List<double[]> points = new ArrayList<>();
        for (int n : sizes) {
            String t = Integer.toString(n);
            Map<String, String> o = find("ours", "tasks", t);
            Map<String, String> j = find("jmx", "tasks", t);
            double ours = d(o, "ours_ms");
            double oursCpu = d(o, "ours_cpu_ms");
            double otel = agentCost("otel", t);
            System.out.printf("%6d %7.0f %7.0f %7.0f | %8.2f %8.2f %6.2f | %9s %6s | %9s %6s | %9s | %5.1f / %4.1f%n",
                    n, d(o, "mbeans"), d(o, "attrs"), d(o, "series"), d(o, "floor_ms"), ours,
                    d(o, "ratio"), f(d(j, "scrape_ms"), "%.2f"), f(d(j, "scrape_ms") / ours, "%.1f"),
                    f(otel, "%.2f"), f(otel / oursCpu, "%.1f"), f(agentCost("ours", t), "%.2f"),
                    d(o, "floor_bytes_per_attr"), d(o, "ours_bytes_per_attr"));
            points.add(new double[] {n, ours});
            last = n;
        }
        System.out.println("(times: medians of rounds that each run the floor, ours and the read's Java work next to each "
                + "other; ÷floor: the median of the rounds' own ratios)");
        System.out.println();
        System.out.println("ours ÷ floor and the read's Java work alone ÷ floor, per round: median [interquartile range]; "
                + "both sides of the second make the same Java calls, so its distance from 1 is the measurement's own error:");
        for (int n : sizes) {
            Map<String, String> o = find("ours", "tasks", Integer.toString(n));
            System.out.printf("%6d tasks: ours ÷ floor %.2f [%.2f–%.2f]; Java work ÷ floor %.2f [%.2f–%.2f]; %s rounds%n",
                    n, d(o, "ratio"), d(o, "ratio_q1"), d(o, "ratio_q3"), d(o, "java_ratio"), d(o, "java_ratio_q1"),
                    d(o, "java_ratio_q3"), o.get("rounds"));
        }
        System.out.println();
        System.out.println("ours, per phase (median ms) and CPU per collection (process CPU, all threads):");
        for (int n : sizes) {
            Map<String, String> o = find("ours", "tasks", Integer.toString(n));
            System.out.printf("%6d tasks: JNI read %.2f, mapping %.2f, OTLP encoding %.2f (%s bytes); CPU %.2f ms, "
                    + "floor %.2f ms (÷ %.2f); %.1f µs per task; attribute values floor=%s ours=%s%n", n,
                    d(o, "read_ms"), d(o, "map_ms"), d(o, "encode_ms"), o.get("request_bytes"), d(o, "ours_cpu_ms"),
                    d(o, "floor_cpu_ms"),
                    d(o, "ours_cpu_ms") / d(o, "floor_cpu_ms"), 1000 * d(o, "ours_ms") / n, o.get("floor_attrs"),
                    o.get("attrs"));
        }
        System.out.println("the JNI read broken down (median ms): its Java work alone (the same queryNames and getAttributes "
                + "calls through JNI, results not unpacked), the rest (unpacking value by value), one JNI call, and the "
                + "least a reader could cost (Java work + 3 unchecked or 7 checked calls per value, nothing mapped or encoded):");
        for (int n : sizes) {
            Map<String, String> o = find("ours", "tasks", Integer.toString(n));
            double unpack = d(o, "read_ms") - d(o, "java_only_ms");
            // The least any JNI reader of these values could cost: the Java work, then per value the three calls
            // that reach the number (the Attribute, its value, the number in it), unchecked, with no mapping and
            // no encoding.
            double calls = d(o, "attrs") * d(o, "jni_call_ns") / 1e6;
            double bound = d(o, "java_only_ms") + 3 * calls;
            // The least a reader that checks what it reads could cost: the seven calls ours makes per value (the
            // element, the instanceof Attribute check that makes reading its fields safe, its name and value,
            // the name's identity, the box's class check, the primitive field), still with no mapping and no
            // encoding.
            double checked = d(o, "java_only_ms") + 7 * calls;
            // As ratios to the floor: the paired Java work ratio plus the calls over the floor's median.
            double javaRatio = d(o, "java_ratio");
            System.out.printf("%6d tasks: Java work %.2f (÷ floor %.2f; %s values), unpacking %.2f (%.0f ns per value), "
                    + "one JNI call %.1f ns; Java work + 3 calls per value %.2f ms, ÷ floor %.2f; "
                    + "Java work + 7 calls per value %.2f ms, ÷ floor %.2f%n", n,
                    d(o, "java_only_ms"), javaRatio, o.get("java_only_attrs"), unpack,
                    1e6 * unpack / d(o, "attrs"), d(o, "jni_call_ns"), bound, javaRatio + 3 * calls / d(o, "floor_ms"),
                    checked, javaRatio + 7 * calls / d(o, "floor_ms"));
        }
        if (points.size() >= 2) {
            // Least squares line through (tasks, ours ms).
            double sx = 0, sy = 0, sxx = 0, sxy = 0;
            for (double[] p : points) {
                sx += p[0];
                sy += p[1];
                sxx += p[0] * p[0];
                sxy += p[0] * p[1];
            }
            int k = points.size();
            double slope = (k * sxy - sx * sy) / (k * sxx - sx * sx);
            double intercept = (sy - slope * sx) / k;
            System.out.printf("growth: ours ≈ %.3f ms + %.2f ms per 100 tasks (least squares over %d sizes)%n",
                    intercept, 100 * slope, k);
        }
        String big = Double.isNaN(last) ? "" : Integer.toString((int) last);
        Map<String, String> o = find("ours", "tasks", big);
        Map<String, String> j = find("jmx", "tasks", big);
        double oursFloor = d(o, "ratio");
        double jmxOurs = d(j, "scrape_ms") / d(o, "ours_ms");
        double otelOurs = agentCost("otel", big) / d(o, "ours_cpu_ms");
        // Whole agent against whole agent (encoding and sending included), ours reading only the MBeans the
        // OpenTelemetry agent's Kafka Connect rules read.
        double otelSame = agentCost("otel", big) / agentCost("same", big);
        // Whole agent against whole agent, both measured the same way, ours reading its default MBean set.
        double otelWhole = agentCost("otel", big) / agentCost("ours", big);
        double bytes = d(o, "ours_bytes_per_attr");
        double share = 100 * d(o, "ours_cpu_ms") / 10_000;
        double rssNone = idle("none", big, "rss_kb");
        double rss = (idle("ours", big, "rss_kb") - rssNone) / 1024;
        double rssOtel = (idle("otel", big, "rss_kb") - rssNone) / 1024;
        double premain = medianOf("startup", "agent") - medianOf("startup", "empty");
        double jar = d(find("jar"), "bytes") / 1e6;
        System.out.println();
        System.out.printf("at %s tasks                                     result     target     verdict%n", big);
        row("ours ÷ floor", f(oursFloor, "%.2f"), "≤ 1.15", verdict(oursFloor, 1.15, true));
        row("jmx_exporter ÷ ours", f(jmxOurs, "%.1f"), "≥ 5", verdict(jmxOurs, 5, false));
        row("OpenTelemetry Java agent ÷ ours", f(otelOurs, "%.1f"), "≥ 3", verdict(otelOurs, 3, false));
        row("  the same, whole agents, our MBean set", f(otelWhole, "%.1f"), "≥ 3", verdict(otelWhole, 3, false));
        row("  the same, whole agents, same MBean set", f(otelSame, "%.1f"), "≥ 3", verdict(otelSame, 3, false));
        row("Java heap per collection per attribute", f(bytes, "%.1f B"), "≤ 48 B", verdict(bytes, 48, true));
        row("CPU share of one core, 10 s interval", f(share, "%.3f %%"), "≤ 0.3 %", verdict(share, 0.3, true));
        row("RSS added by the agent", f(rss, "%.1f MB"), "≤ 20 MB", verdict(rss, 20, true));
        row("start-up added by premain", f(premain, "%.1f ms"), "≤ 20 ms", verdict(premain, 20, true));
        // The jar carries four libraries (x86_64, aarch64; glibc, musl): the platform target is 12 MB.
        row("agent jar size", f(jar, "%.2f MB"), "≤ 12 MB", verdict(jar, 12, true));
        System.out.println();
        System.out.printf("for comparison: OpenTelemetry Java agent RSS added %s; whole-agent CPU per interval "
                + "(encode and send included) ours %s ms, ours with the OpenTelemetry agent's MBean set %s ms, "
                + "OpenTelemetry Java agent %s ms%n", f(rssOtel, "%.1f MB"), f(agentCost("ours", big), "%.2f"),
                f(agentCost("same", big), "%.2f"), f(agentCost("otel", big), "%.2f"));
        StringBuilder runs = new StringBuilder();
        for (String label : new String[] {"none", "ours", "otel"}) {
            runs.append(runs.length() == 0 ? "" : "; ").append(label);
            for (Map<String, String> m : all("idle", "label", label, "tasks", big)) {
                runs.append(String.format(" %.1f", d(m, "rss_kb") / 1024));
            }
        }
        if (!all("idle", "tasks", big).isEmpty()) {
            System.out.printf("RSS at %s tasks, each run's median of VmRSS read every 0.5 s over its 20 intervals, MB: "
                    + "%s (RSS added: median of ours minus median of none)%n", big, runs);
        }
        System.out.printf("start-up to main(), median of %d launches: no agent %s ms, an agent whose premain does "
                + "nothing %s ms, ours %s ms (premain's share is ours minus the empty agent)%n",
                all("startup", "label", "none").size(), f(medianOf("startup", "none"), "%.1f"),
                f(medianOf("startup", "empty"), "%.1f"), f(medianOf("startup", "agent"), "%.1f"));
        for (Map<String, String> m : all("registrations")) {
            System.out.printf("registering a worker's MBeans at %s tasks (on Connect's threads): %s ms without the "
                    + "registration listener, %s ms with it (× %s); the collector's drain of the %s names: %s ms%n",
                    m.get("tasks"), f(d(m, "without_ms"), "%.1f"), f(d(m, "with_ms"), "%.1f"), f(d(m, "ratio"), "%.2f"),
                    m.get("names"), f(d(m, "drain_ms"), "%.2f"));
        }
        for (Map<String, String> m : all("jmx")) {
            System.out.printf("jmx_exporter at %s tasks: %s samples (%s kafka_connect_*), %s bytes per scrape%n",
                    m.get("tasks"), m.get("samples"), m.get("connect_samples"), m.get("bytes"));
        }
        for (Map<String, String> m : all("idle")) {
            if (!m.get("label").equals("none")) {
                System.out.printf("%s agent at %s tasks: %s export requests, %.0f bytes exported per interval%n",
                        m.get("label"), m.get("tasks"), m.get("export_requests"), d(m, "export_bytes_per_interval"));
            }
        }
    }

    private double medianOf(String kind, String label) {
        List<Double> xs = new ArrayList<>();
        for (Map<String, String> m : all(kind, "label", label)) {
            xs.add(d(m, "ms"));
        }
        return median(xs);
    }

    private static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(xs);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }

    private static void row(String what, String result, String target, String verdict) {
        System.out.printf("  %-45s %10s %10s     %s%n", what, result, target, verdict);
    }
}
