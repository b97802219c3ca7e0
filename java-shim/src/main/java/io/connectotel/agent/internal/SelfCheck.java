package io.connectotel.agent.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code check [--endpoint URL] [--worker-config FILE] [key=value,...]}: will the agent work here? One line per
 * check, {@code ✓} or {@code ✗} and the reason; exit code 0 only when none failed. Java checks what only Java can
 * (the platform, extracting and loading the library, through {@link NativeLoader}'s own steps); the library
 * checks the rest as the agent would see it ({@code src/check.rs}): configuration, collector, worker properties.
 */
public final class SelfCheck {
    // Escaped: javac reads sources in the platform's encoding before JDK 18.
    private static final String PASS = "\u2713 ";
    private static final String FAIL = "\u2717 ";

    private SelfCheck() {}

    static final String USAGE = "usage: java [-Dotel.key=value ...] -jar connect-otel-agent.jar check"
            + " [--endpoint URL] [--worker-config FILE] [otel.key=value,...]\n"
            + "  --endpoint URL         the collector to ask (otel.exporter.otlp.endpoint)\n"
            + "  --worker-config FILE   the worker's properties file (otel.connect.worker.config)\n"
            + "  otel.key=value,...     settings as in -javaagent:connect-otel-agent.jar=...; -D and OTEL_* apply as usual";

    public static int run(String[] args) {
        List<String> settings = new ArrayList<>();
        String endpoint = null;
        String workerConfig = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println(USAGE);
                return 0;
            } else if (a.equals("--endpoint") || a.equals("--worker-config")) {
                if (i + 1 == args.length) {
                    return usage(a + " needs a value");
                }
                if (a.equals("--endpoint")) {
                    endpoint = args[++i];
                } else {
                    workerConfig = args[++i];
                }
            } else if (a.startsWith("--endpoint=")) {
                endpoint = a.substring("--endpoint=".length());
            } else if (a.startsWith("--worker-config=")) {
                workerConfig = a.substring("--worker-config=".length());
            } else if (a.startsWith("-")) {
                return usage("unknown option " + a);
            } else if (!a.isEmpty()) {
                settings.add(a);
            }
        }
        if (endpoint != null) {
            // Last, so that it wins over the same key among the settings.
            settings.add("otel.exporter.otlp.endpoint=" + endpoint);
        }
        // UTF-8 whatever the locale: a container's C locale would print every mark as '?'.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        try {
            return report(out, String.join(",", settings), workerConfig);
        } finally {
            out.flush();
        }
    }

    private static int usage(String problem) {
        System.err.println("connect-otel: check: " + problem + "\n" + USAGE);
        return 2;
    }

    private static int report(PrintStream out, String agentArgs, String workerConfig) {
        out.println("connect-otel check: " + BuildInfo.describe());
        List<String> lines = new ArrayList<>();
        try {
            nativeChecks(lines, agentArgs, workerConfig);
        } catch (Throwable t) {
            lines.add(FAIL + "the check stopped: " + t);
        }
        int passed = 0;
        int failed = 0;
        for (String line : lines) {
            out.println(line);
            if (line.startsWith(PASS)) {
                passed++;
            } else if (line.startsWith(FAIL)) {
                failed++;
            }
        }
        out.println(failed == 0
                ? "all " + passed + " checks passed"
                : failed + " of " + (passed + failed) + " checks failed");
        return failed == 0 ? 0 : 1;
    }

    /** The loader's steps one by one, then the library's own checks; stops at the first step that fails. */
    private static void nativeChecks(List<String> lines, String agentArgs, String workerConfig) {
        String platform = NativeLoader.platform();
        String explicit = Bootstrap.setting(agentArgs, Bootstrap.LIBRARY_PATH_KEY);
        Path library;
        try {
            if (explicit != null && !explicit.isEmpty()) {
                library = NativeLoader.explicitFile(explicit);
                lines.add(PASS + "platform " + platform + ": the library is " + library + " ("
                        + Bootstrap.LIBRARY_PATH_KEY + "), not the jar's");
            } else {
                byte[] bytes = NativeLoader.bundled(platform);
                lines.add(PASS + "platform " + platform + ": the jar carries " + NativeLoader.resource(platform).substring(1)
                        + " (" + bytes.length + " bytes)");
                Path dir = NativeLoader.privateDirectory();
                library = NativeLoader.extract(bytes);
                lines.add(PASS + "extracted to " + library + " (" + dir + " is private to this user, mode 0700)");
            }
            NativeLoader.loadFile(library);
        } catch (NativeLoader.LoadFailure e) {
            lines.add(FAIL + e.getMessage());
            return;
        }
        int abi = NativeAgent.version();
        String version;
        try {
            version = NativeAgent.libraryVersion();
        } catch (UnsatisfiedLinkError older) {
            version = "(older than this jar)";
        }
        if (abi != Bootstrap.ABI_VERSION) {
            lines.add(FAIL + "loaded " + library + ": library " + version + " has ABI " + abi + ", this jar needs "
                    + Bootstrap.ABI_VERSION);
            return;
        }
        lines.add(PASS + "loaded " + library + ": connect-otel " + version + ", ABI " + abi);
        String[] own = NativeAgent.check(agentArgs, Bootstrap.otelSystemProperties(), workerConfig);
        if (own == null) {
            lines.add(FAIL + "the library's checks stopped on an internal error (the connect-otel: line above)");
            return;
        }
        for (String line : own) {
            lines.add(line);
        }
    }
}
