package io.connectotel.api.internal;

/** Positions in the settings array the agent publishes (see the native side's `TraceSettings`). */
public final class Settings {
    private Settings() {}

    public static final int SAMPLER = 0;
    public static final int RATIO = 1;
    public static final int ATTRIBUTE_COUNT_LIMIT = 2;
    public static final int EVENT_COUNT_LIMIT = 3;
    public static final int LINK_COUNT_LIMIT = 4;
    /** -1: no limit from configuration (a hard cap still applies). */
    public static final int ATTRIBUTE_VALUE_LENGTH_LIMIT = 5;
    public static final int SIZE = 6;

    public static final int ALWAYS_ON = 0;
    public static final int ALWAYS_OFF = 1;
    public static final int RATIO_BASED = 2;
    public static final int PARENT_ALWAYS_ON = 3;
    public static final int PARENT_ALWAYS_OFF = 4;
    public static final int PARENT_RATIO = 5;

    /** Whatever the configuration says, one string value never exceeds this many characters. */
    public static final int HARD_VALUE_CAP = 32 * 1024;

    /** Whatever the configuration says, a span, event or tracer name or an attribute key is at most this long. */
    public static final int HARD_NAME_CAP = 1024;

    /** {@code s} cut at {@link #HARD_NAME_CAP} characters. */
    public static String name(String s) {
        return s != null && s.length() > HARD_NAME_CAP ? s.substring(0, HARD_NAME_CAP) : s;
    }

    /** {@code s} cut at {@link #HARD_VALUE_CAP} characters. */
    public static String value(String s) {
        return s != null && s.length() > HARD_VALUE_CAP ? s.substring(0, HARD_VALUE_CAP) : s;
    }

    /** Whether a new span is sampled, the way the OpenTelemetry SDK's samplers decide. */
    public static boolean sample(double[] s, boolean hasParent, boolean parentSampled, long traceIdLow) {
        int mode = (int) s[SAMPLER];
        if (hasParent && mode >= PARENT_ALWAYS_ON) {
            return parentSampled;
        }
        switch (mode) {
            case ALWAYS_OFF:
            case PARENT_ALWAYS_OFF:
                return false;
            case RATIO_BASED:
            case PARENT_RATIO:
                return Ids.sampledByRatio(traceIdLow, s[RATIO]);
            default:
                return true;
        }
    }

    public static int valueLimit(double[] s) {
        int configured = (int) s[ATTRIBUTE_VALUE_LENGTH_LIMIT];
        return configured < 0 ? HARD_VALUE_CAP : Math.min(configured, HARD_VALUE_CAP);
    }
}
