package io.connectotel.agent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BootstrapTest {
    /** The repository root, from the runner (tests/java_unit.rs). */
    static Path root() {
        return Paths.get(System.getProperty("connect-otel.root", "."));
    }

    /** {@code \\uXXXX} and {@code \\\\} decoded, as tests/agent_args.rs decodes them. */
    static String unescape(String s, int line) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.append(c);
            } else if (i + 1 < s.length() && s.charAt(i + 1) == '\\') {
                out.append('\\');
                i++;
            } else if (i + 5 < s.length() && s.charAt(i + 1) == 'u') {
                out.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                i += 5;
            } else {
                throw new IllegalArgumentException("line " + line + ": unknown escape in " + s);
            }
        }
        return out.toString();
    }

    @Test
    void agentArgumentsSplitAsTheSharedVectorsSay() throws Exception {
        List<String> lines = Files.readAllLines(root().resolve("tests/vectors/agent-args.tsv"), StandardCharsets.UTF_8);
        List<String> wrong = new ArrayList<>();
        int vectors = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] columns = line.split("\t", -1);
            assertEquals(1, columns.length % 2, "line " + (i + 1) + ": a key without a value");
            Map<String, String> expected = new TreeMap<>();
            for (int c = 1; c < columns.length; c += 2) {
                expected.put(unescape(columns[c], i + 1), unescape(columns[c + 1], i + 1));
            }
            String input = unescape(columns[0], i + 1);
            Map<String, String> got = Bootstrap.agentArguments(input);
            if (!got.equals(expected)) {
                wrong.add("line " + (i + 1) + ": " + Arrays.toString(input.toCharArray()) + "\n  expected " + expected + "\n  got      " + got);
            }
            vectors++;
        }
        assertTrue(vectors >= 20, "only " + vectors + " vectors read");
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }

    @Test
    void theLibraryPathComesFromTheAgentArgumentsThenTheSystemProperty() {
        String key = Bootstrap.LIBRARY_PATH_KEY;
        String before = System.getProperty(key);
        try {
            System.clearProperty(key);
            assertNull(Bootstrap.setting("otel.service.name=s", key));
            assertNull(Bootstrap.setting(null, key));
            System.setProperty(key, " /from/property\u00a0");
            assertEquals("/from/property", Bootstrap.setting("otel.service.name=s", key));
            assertEquals("/a,b", Bootstrap.setting("otel.service.name=s," + key + "=/a,b", key));
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }

    @Test
    void onlyOtelSystemPropertiesAreHandedOver() {
        System.setProperty("otel.test.unit", "v");
        System.setProperty("not.otel.test.unit", "w");
        try {
            List<String> kv = Arrays.asList(Bootstrap.otelSystemProperties());
            assertEquals(0, kv.size() % 2);
            int at = kv.indexOf("otel.test.unit");
            assertTrue(at >= 0 && at % 2 == 0 && kv.get(at + 1).equals("v"), kv.toString());
            assertTrue(!kv.contains("not.otel.test.unit"), kv.toString());
            for (int i = 0; i < kv.size(); i += 2) {
                assertTrue(kv.get(i).startsWith("otel."), kv.get(i));
            }
        } finally {
            System.clearProperty("otel.test.unit");
            System.clearProperty("not.otel.test.unit");
        }
    }
}
