package io.connectotel.agent.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads the native library and hands it the raw configuration sources. Every failure ends in one line
 * {@code connect-otel: disabled: <reason>} and the worker runs on untouched.
 */
public final class Bootstrap {
    /** Must equal the library's {@code CONNECT_OTEL_ABI_VERSION}. */
    static final int ABI_VERSION = 3;
    static final String LIBRARY_PATH_KEY = "otel.connect.library.path";

    private Bootstrap() {}

    public static void run(String agentArgs) {
        try {
            String explicit = setting(agentArgs, LIBRARY_PATH_KEY);
            java.nio.file.Path library = NativeLoader.load(explicit);
            int abi;
            try {
                abi = NativeAgent.version();
            } catch (UnsatisfiedLinkError e) {
                disabled("native library " + library + " is not connect-otel's (it has no " + e.getMessage() + ")");
                return;
            }
            if (abi != ABI_VERSION) {
                disabled("native library ABI " + abi + " does not match the agent jar's " + ABI_VERSION);
                return;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                SpanBridge.SETTINGS.set(null); // stop taking spans, then flush what was taken
                NativeAgent.shutdown();
            }, "connect-otel-shutdown"));
            if (NativeAgent.start(agentArgs, otelSystemProperties(), System.getProperty("sun.java.command")) == 0) {
                SpanBridge.SETTINGS.set(NativeAgent.traceSettings());
            }
        } catch (NativeLoader.LoadFailure e) {
            disabled(e.getMessage());
        } catch (Throwable t) {
            disabled("unexpected " + t);
        }
    }

    static void disabled(String reason) {
        System.err.println("connect-otel: disabled: " + reason);
    }

    /** {@code otel.*} system properties as key, value, key, value, … */
    static String[] otelSystemProperties() {
        List<String> kv = new ArrayList<>();
        for (Map.Entry<Object, Object> e : System.getProperties().entrySet()) {
            if (e.getKey() instanceof String && ((String) e.getKey()).startsWith("otel.") && e.getValue() instanceof String) {
                kv.add((String) e.getKey());
                kv.add((String) e.getValue());
            }
        }
        return kv.toArray(new String[0]);
    }

    /**
     * The one setting Java must know before the library exists: agent argument, then system property, then
     * environment (the same precedence, and the same reading of each, as the native side's for everything else).
     */
    static String setting(String agentArgs, String key) {
        String argument = agentArguments(agentArgs).get(key);
        if (argument != null) {
            return argument;
        }
        String property = System.getProperty(key);
        if (property != null) {
            return trim(property);
        }
        String env = System.getenv(key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'));
        return env == null ? null : trim(env);
    }

    /**
     * The agent arguments as the library reads them ({@code parse_agent_args} in src/config/mod.rs; both are held to
     * the vectors in tests/vectors/agent-args.tsv): a comma starts a new pair only before another {@code otel.}
     * key, so a value may hold commas; empty pairs are skipped; a word before any pair is a key with an empty
     * value; the last pair for a key wins; keys and values are trimmed of white space as Rust's
     * {@code str::trim} sees it.
     */
    static Map<String, String> agentArguments(String agentArgs) {
        Map<String, String> out = new TreeMap<>();
        if (agentArgs == null) {
            return out;
        }
        String current = null;
        StringBuilder value = null;
        for (String segment : agentArgs.split(",", -1)) {
            if (trim(segment).isEmpty()) {
                continue;
            }
            int eq = segment.indexOf('=');
            String name = eq >= 0 ? trim(segment.substring(0, eq)) : null;
            if (name != null && isKey(name)) {
                if (current != null) {
                    out.put(current, trimEnd(value.toString()));
                }
                current = name;
                value = new StringBuilder(trim(segment.substring(eq + 1)));
            } else if (current != null) {
                value.append(',').append(segment);
            } else {
                out.put(trim(segment), "");
            }
        }
        if (current != null) {
            out.put(current, trimEnd(value.toString()));
        }
        return out;
    }

    private static boolean isKey(String name) {
        if (!name.startsWith("otel.")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && c != '.' && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /**
     * Unicode White_Space, what Rust's {@code char::is_whitespace} (and so {@code str::trim}) tests; Java's
     * {@code String.trim} would also cut control characters and keep no-break spaces.
     */
    static boolean isWhiteSpace(char c) {
        return Character.isSpaceChar(c) || (c >= 0x09 && c <= 0x0d) || c == 0x85;
    }

    static String trim(String s) {
        int start = 0;
        while (start < s.length() && isWhiteSpace(s.charAt(start))) {
            start++;
        }
        return trimEnd(s.substring(start));
    }

    static String trimEnd(String s) {
        int end = s.length();
        while (end > 0 && isWhiteSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }
}
