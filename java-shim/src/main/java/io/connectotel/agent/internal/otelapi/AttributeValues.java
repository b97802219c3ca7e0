package io.connectotel.agent.internal.otelapi;

import java.util.List;

/**
 * An OpenTelemetry attribute value (String, Boolean, Long, Double, or a List of one of them, as the API's
 * {@code AttributeKey} types hold them; an int or a float from a default method) handed to one of connect-otel's
 * setters. Anything else (e.g. the newer API's {@code Value}) becomes its string form.
 */
final class AttributeValues {
    /** Connect-otel's typed setters, as a span, a span builder and an event's attributes have them. */
    interface Sink {
        void string(String key, String value);
        void number(String key, long value);
        void real(String key, double value);
        void bool(String key, boolean value);
        void strings(String key, String[] value);
        void numbers(String key, long[] value);
        void reals(String key, double[] value);
        void bools(String key, boolean[] value);
    }

    private AttributeValues() {}

    static void put(Sink sink, String key, Object v) {
        if (key == null || v == null) {
            return;
        }
        if (v instanceof String) {
            sink.string(key, (String) v);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            sink.number(key, ((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            sink.real(key, ((Number) v).doubleValue());
        } else if (v instanceof Boolean) {
            sink.bool(key, (Boolean) v);
        } else if (v instanceof List) {
            list(sink, key, (List<?>) v);
        } else {
            sink.string(key, String.valueOf(v));
        }
    }

    /** A list is typed by its first element (the API's lists hold one type; nulls read as zero or empty). */
    private static void list(Sink sink, String key, List<?> l) {
        Object[] items = l.toArray();
        Object first = null;
        for (Object o : items) {
            if (o != null) {
                first = o;
                break;
            }
        }
        int n = items.length;
        if (first instanceof Boolean) {
            boolean[] a = new boolean[n];
            for (int i = 0; i < n; i++) a[i] = items[i] instanceof Boolean && (Boolean) items[i];
            sink.bools(key, a);
        } else if (first instanceof Double || first instanceof Float) {
            double[] a = new double[n];
            for (int i = 0; i < n; i++) a[i] = items[i] instanceof Number ? ((Number) items[i]).doubleValue() : 0.0;
            sink.reals(key, a);
        } else if (first instanceof Number) {
            long[] a = new long[n];
            for (int i = 0; i < n; i++) a[i] = items[i] instanceof Number ? ((Number) items[i]).longValue() : 0L;
            sink.numbers(key, a);
        } else {
            String[] a = new String[n];
            for (int i = 0; i < n; i++) a[i] = items[i] == null ? "" : String.valueOf(items[i]);
            sink.strings(key, a);
        }
    }

    /** An API {@code Attributes} as connect-otel's event/link attributes. */
    static io.connectotel.api.Attributes of(OtelTypes types, Object attrs) throws Throwable {
        if (attrs == null) {
            return io.connectotel.api.Attributes.empty();
        }
        io.connectotel.api.Attributes.Builder b = io.connectotel.api.Attributes.builder();
        Sink sink = new Sink() {
            @Override public void string(String k, String v) { b.put(k, v); }
            @Override public void number(String k, long v) { b.put(k, v); }
            @Override public void real(String k, double v) { b.put(k, v); }
            @Override public void bool(String k, boolean v) { b.put(k, v); }
            @Override public void strings(String k, String[] v) { b.put(k, v); }
            @Override public void numbers(String k, long[] v) { b.put(k, v); }
            @Override public void reals(String k, double[] v) { b.put(k, v); }
            @Override public void bools(String k, boolean[] v) { b.put(k, v); }
        };
        types.forEachAttribute(attrs, (k, v) -> put(sink, k, v));
        return b.build();
    }
}
