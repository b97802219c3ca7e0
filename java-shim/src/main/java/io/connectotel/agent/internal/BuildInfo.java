package io.connectotel.agent.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

/** What {@code scripts/build.sh} wrote into the jar: version, commit and the platforms it carries libraries for. */
public final class BuildInfo {
    private static final Properties PROPS = read();

    private BuildInfo() {}

    private static Properties read() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/io/connectotel/agent/build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // An unreadable resource reads as "unknown" below; the agent does not depend on it.
        }
        return p;
    }

    public static String version() {
        return PROPS.getProperty("version", "unknown");
    }

    public static String commit() {
        return PROPS.getProperty("commit", "unknown");
    }

    /** The {@code native/<platform>/} folders the jar carries, in build order. */
    public static List<String> platforms() {
        String s = PROPS.getProperty("platforms", "");
        return s.isEmpty() ? Collections.emptyList() : Arrays.asList(s.split(","));
    }

    public static String describe() {
        return "connect-otel " + version() + " (commit " + commit() + "), native libraries for "
                + String.join(", ", platforms());
    }
}
