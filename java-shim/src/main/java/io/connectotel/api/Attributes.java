package io.connectotel.api;

import java.util.ArrayList;
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

        Builder add(String key, Object value) {
            if (key != null && !key.isEmpty() && value != null) {
                entries.add(new Object[] {key, value});
            }
            return this;
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
