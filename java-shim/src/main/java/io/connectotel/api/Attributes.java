package io.connectotel.api;

import io.connectotel.api.internal.AttributeList;
import io.connectotel.api.internal.Settings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** Attributes for events: keys with string, long, double or boolean values (or arrays of them). */
public final class Attributes {
    private static final Attributes EMPTY = new Attributes(Collections.emptyList());

    final List<Object[]> entries; // {String key, Object value}

    private Attributes(List<Object[]> entries) {
        this.entries = entries;
    }

    public static Attributes empty() {
        return EMPTY;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int size() {
        return entries.size();
    }

    public static final class Builder {
        private final List<Object[]> entries = new ArrayList<>();

        /**
         * Keys and string values are cut at the hard caps and arrays at the wire format's count as they come in,
         * so an event or link never holds more than a span may send (the configured limits apply later).
         */
        Builder add(String key, Object value) {
            if (key != null && !key.isEmpty() && value != null) {
                entries.add(new Object[] {Settings.name(key), bounded(value)});
            }
            return this;
        }

        private static Object bounded(Object v) {
            if (v instanceof String) {
                return Settings.value((String) v);
            }
            if (v instanceof String[]) {
                String[] a = (String[]) v;
                a = a.length > AttributeList.MAX_COUNT ? Arrays.copyOf(a, AttributeList.MAX_COUNT) : a;
                for (int i = 0; i < a.length; i++) {
                    a[i] = a[i] == null ? "" : Settings.value(a[i]);
                }
                return a;
            }
            if (v instanceof long[] && ((long[]) v).length > AttributeList.MAX_COUNT) {
                return Arrays.copyOf((long[]) v, AttributeList.MAX_COUNT);
            }
            if (v instanceof double[] && ((double[]) v).length > AttributeList.MAX_COUNT) {
                return Arrays.copyOf((double[]) v, AttributeList.MAX_COUNT);
            }
            if (v instanceof boolean[] && ((boolean[]) v).length > AttributeList.MAX_COUNT) {
                return Arrays.copyOf((boolean[]) v, AttributeList.MAX_COUNT);
            }
            return v;
        }

        public Builder put(String key, String value) { return add(key, value); }
        public Builder put(String key, long value) { return add(key, value); }
        public Builder put(String key, double value) { return add(key, value); }
        public Builder put(String key, boolean value) { return add(key, value); }
        public Builder put(String key, String... value) { return add(key, value == null ? null : value.clone()); }
        public Builder put(String key, long... value) { return add(key, value == null ? null : value.clone()); }
        public Builder put(String key, double... value) { return add(key, value == null ? null : value.clone()); }
        public Builder put(String key, boolean... value) { return add(key, value == null ? null : value.clone()); }

        public Attributes build() {
            return new Attributes(Collections.unmodifiableList(new ArrayList<>(entries)));
        }
    }
}
