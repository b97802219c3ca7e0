package io.connectotel.api.internal;

/**
 * W3C {@code tracestate} values (https://www.w3.org/TR/trace-context/#tracestate-header): the vendors' list a
 * trace carries beside {@code traceparent}. A span takes its parent's list unchanged (this API adds no entry of
 * its own), so the list is kept as the normalised header value: members without the optional white space,
 * empty members left out.
 */
public final class TraceState {
    /** The most list members a {@code tracestate} may hold. */
    static final int MAX_MEMBERS = 32;

    private TraceState() {}

    /**
     * The normalised list of {@code header} (the values of every {@code tracestate} header, joined by commas),
     * or "" when there is none or it is invalid: a malformed member, a key given twice or more than 32 members
     * make the whole list invalid, as the specification asks of a receiver that cannot repair it.
     */
    public static String parse(String header) {
        if (header == null || header.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder(header.length());
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (String raw : header.split(",", -1)) {
            String member = trimOws(raw);
            if (member.isEmpty()) {
                continue;
            }
            int eq = member.indexOf('=');
            if (eq < 0 || !validKey(member.substring(0, eq)) || !validValue(member.substring(eq + 1))
                    || !keys.add(member.substring(0, eq)) || keys.size() > MAX_MEMBERS) {
                return "";
            }
            if (out.length() > 0) {
                out.append(',');
            }
            out.append(member);
        }
        return out.toString();
    }

    /** Space and tab, the header's optional white space. */
    private static String trimOws(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.substring(start, end);
    }

    /** {@code simple-key} or {@code tenant-id "@" system-id}. */
    static boolean validKey(String key) {
        int at = key.indexOf('@');
        if (at < 0) {
            return key.length() <= 256 && !key.isEmpty() && lcalpha(key.charAt(0)) && keyChars(key, 1);
        }
        String tenant = key.substring(0, at);
        String system = key.substring(at + 1);
        return !tenant.isEmpty() && tenant.length() <= 241 && (lcalpha(tenant.charAt(0)) || digit(tenant.charAt(0)))
                && keyChars(tenant, 1) && !system.isEmpty() && system.length() <= 14 && lcalpha(system.charAt(0))
                && keyChars(system, 1);
    }

    /** 1 to 256 printable ASCII characters but {@code ,} and {@code =}, not ending in a space. */
    static boolean validValue(String value) {
        if (value.isEmpty() || value.length() > 256 || value.charAt(value.length() - 1) == ' ') {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e || c == ',' || c == '=') {
                return false;
            }
        }
        return true;
    }

    private static boolean keyChars(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(lcalpha(c) || digit(c) || c == '_' || c == '-' || c == '*' || c == '/')) {
                return false;
            }
        }
        return true;
    }

    private static boolean lcalpha(char c) {
        return c >= 'a' && c <= 'z';
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }
}
