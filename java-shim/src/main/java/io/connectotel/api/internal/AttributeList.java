package io.connectotel.api.internal;

import java.util.Arrays;

/**
 * A span's attributes in flat arrays, so that setting one allocates nothing on the way (no pair array, no box):
 * {@code refs} holds key, value, key, value, …; a primitive's value slot holds a marker ({@link #LONG_VALUE},
 * {@link #DOUBLE_VALUE}, {@link #BOOLEAN_VALUE}) and the value itself sits in {@code bits}. The limits are
 * applied as values come in: a key set again keeps its place and takes the new value, keys beyond the count
 * limit are dropped and counted, strings are cut at the value length limit. Not thread-safe: the owner (a span
 * builder, or a span under its lock) serializes access.
 */
public final class AttributeList {
    /** Kinds of value for {@link #put}: the wire format's type tags. */
    public static final int STRING = 0;
    public static final int BOOLEAN = 1;
    public static final int LONG = 2;
    public static final int DOUBLE = 3;
    public static final int STRING_ARRAY = 4;
    public static final int BOOLEAN_ARRAY = 5;
    public static final int LONG_ARRAY = 6;
    public static final int DOUBLE_ARRAY = 7;

    /** The wire format counts attributes and array elements in a u16. */
    public static final int MAX_COUNT = 0xFFFF;

    static final Object BOOLEAN_VALUE = new Object();
    static final Object LONG_VALUE = new Object();
    static final Object DOUBLE_VALUE = new Object();

    private final int countLimit;
    private final int valueLimit;
    Object[] refs;
    long[] bits;
    int size;
    int dropped;

    /** Limits from the agent's settings (see {@link Settings}). */
    public AttributeList(double[] settings) {
        this(Math.min((int) settings[Settings.ATTRIBUTE_COUNT_LIMIT], MAX_COUNT), Settings.valueLimit(settings));
    }

    private AttributeList(int countLimit, int valueLimit) {
        this.countLimit = countLimit;
        this.valueLimit = valueLimit;
    }

    public int size() {
        return size;
    }

    /** Attributes not kept because of the count limit. */
    public int dropped() {
        return dropped;
    }

    public AttributeList copy() {
        AttributeList c = new AttributeList(countLimit, valueLimit);
        if (refs != null) {
            c.refs = refs.clone();
            c.bits = bits.clone();
        }
        c.size = size;
        c.dropped = dropped;
        return c;
    }

    /**
     * Sets {@code key} to a value of {@code kind}: a string or an array in {@code ref} (null is ignored; an
     * array is copied, as the caller may reuse it), a boolean (0 or 1), long or double (raw bits) in {@code bits}.
     */
    public void put(String key, int kind, Object ref, long bits) {
        if (key == null || key.isEmpty()) {
            return;
        }
        key = Settings.name(key);
        switch (kind) {
            case STRING:
                if (ref != null) set(key, cut((String) ref), 0);
                break;
            case BOOLEAN:
                set(key, BOOLEAN_VALUE, bits);
                break;
            case LONG:
                set(key, LONG_VALUE, bits);
                break;
            case DOUBLE:
                set(key, DOUBLE_VALUE, bits);
                break;
            case STRING_ARRAY:
                if (ref != null) {
                    String[] a = Arrays.copyOf((String[]) ref, Math.min(((String[]) ref).length, MAX_COUNT));
                    for (int i = 0; i < a.length; i++) {
                        a[i] = a[i] == null ? "" : cut(a[i]);
                    }
                    set(key, a, 0);
                }
                break;
            case BOOLEAN_ARRAY:
                if (ref != null) set(key, Arrays.copyOf((boolean[]) ref, Math.min(((boolean[]) ref).length, MAX_COUNT)), 0);
                break;
            case LONG_ARRAY:
                if (ref != null) set(key, Arrays.copyOf((long[]) ref, Math.min(((long[]) ref).length, MAX_COUNT)), 0);
                break;
            case DOUBLE_ARRAY:
                if (ref != null) set(key, Arrays.copyOf((double[]) ref, Math.min(((double[]) ref).length, MAX_COUNT)), 0);
                break;
            default:
                break;
        }
    }

    private String cut(String s) {
        return s.length() > valueLimit ? s.substring(0, valueLimit) : s;
    }

    private void set(String key, Object value, long b) {
        Object[] r = refs;
        int n = size;
        for (int i = 0; i < n; i++) {
            Object k = r[2 * i];
            if (k == key || k.equals(key)) {
                r[2 * i + 1] = value;
                bits[i] = b;
                return;
            }
        }
        if (n >= countLimit) {
            dropped++;
            return;
        }
        if (r == null || 2 * n == r.length) {
            r = grow(n);
        }
        r[2 * n] = key;
        r[2 * n + 1] = value;
        bits[n] = b;
        size = n + 1;
    }

    /** Room for more attributes than {@code n} (kept out of {@link #set}, which stays small). */
    private Object[] grow(int n) {
        int capacity = n == 0 ? 4 : 2 * n;
        refs = refs == null ? new Object[2 * capacity] : Arrays.copyOf(refs, 2 * capacity);
        bits = bits == null ? new long[capacity] : Arrays.copyOf(bits, capacity);
        return refs;
    }
}
