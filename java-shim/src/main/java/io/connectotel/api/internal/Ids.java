package io.connectotel.api.internal;

import java.util.concurrent.ThreadLocalRandom;

/** W3C ids: random, never all zero; hex formatting and parsing. */
public final class Ids {
    private Ids() {}

    public static long randomNonZero() {
        long v;
        do {
            v = ThreadLocalRandom.current().nextLong();
        } while (v == 0);
        return v;
    }

    public static String hex(long v) {
        String s = Long.toHexString(v);
        return s.length() == 16 ? s : "0000000000000000".substring(s.length()) + s;
    }

    /** 32 lower-case hex digits, not all zero → {high, low}; anything else → null. */
    public static long[] parseTraceId(String s) {
        if (s == null || s.length() != 32) {
            return null;
        }
        Long hi = parse16(s.substring(0, 16));
        Long lo = parse16(s.substring(16));
        if (hi == null || lo == null || (hi == 0 && lo == 0)) {
            return null;
        }
        return new long[] {hi, lo};
    }

    /** 16 lower-case hex digits → id, or 0 when invalid. */
    public static long parseSpanId(String s) {
        if (s == null || s.length() != 16) {
            return 0;
        }
        Long v = parse16(s);
        return v == null ? 0 : v;
    }

    private static Long parse16(String s) {
        long v = 0;
        for (int i = 0; i < 16; i++) {
            char c = s.charAt(i);
            int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
            if (d < 0) {
                return null;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    /** The same decision as the OpenTelemetry SDKs' TraceIdRatioBased sampler (from the low 8 bytes). */
    public static boolean sampledByRatio(long traceIdLow, double ratio) {
        if (ratio >= 1.0) {
            return true;
        }
        // 2^63 as a double (1L << 63 would be negative in Java).
        long bound = (long) (Math.max(ratio, 0.0) * 9.223372036854775808E18);
        return (traceIdLow >>> 1) < bound;
    }
}
