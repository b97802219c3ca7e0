package io.connectotel.api.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The wire format of a finished span handed to the agent (decoded by the native side's `spans::codec`).
 * Little-endian; strings are a u32 byte length and UTF-8; counts are u16.
 */
public final class Encoder {
    public static final byte VERSION = 1;

    private byte[] buf = new byte[256];
    private int len;

    public byte[] toBytes() {
        byte[] out = new byte[len];
        System.arraycopy(buf, 0, out, 0, len);
        return out;
    }

    private void room(int n) {
        if (len + n > buf.length) {
            byte[] bigger = new byte[Math.max(buf.length * 2, len + n)];
            System.arraycopy(buf, 0, bigger, 0, len);
            buf = bigger;
        }
    }

    public Encoder u8(int v) {
        room(1);
        buf[len++] = (byte) v;
        return this;
    }

    public Encoder u16(int v) {
        room(2);
        buf[len++] = (byte) v;
        buf[len++] = (byte) (v >>> 8);
        return this;
    }

    public Encoder u32(int v) {
        room(4);
        for (int i = 0; i < 4; i++) {
            buf[len++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    public Encoder i64(long v) {
        room(8);
        for (int i = 0; i < 8; i++) {
            buf[len++] = (byte) (v >>> (8 * i));
        }
        return this;
    }

    public Encoder str(String s) {
        byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        u32(b.length);
        room(b.length);
        System.arraycopy(b, 0, buf, len, b.length);
        len += b.length;
        return this;
    }

    /** Attributes as {key, value} pairs; values are String, Boolean, Long/Integer, Double/Float or arrays. */
    public Encoder attributes(List<Object[]> attrs, int count) {
        u16(count);
        for (int i = 0; i < count; i++) {
            Object[] kv = attrs.get(i);
            str((String) kv[0]);
            value(kv[1]);
        }
        return this;
    }

    private void value(Object v) {
        if (v instanceof String) {
            u8(0).str((String) v);
        } else if (v instanceof Boolean) {
            u8(1).u8((Boolean) v ? 1 : 0);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            u8(2).i64(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            u8(3).i64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
        } else if (v instanceof String[]) {
            String[] a = (String[]) v;
            u8(4).u16(a.length);
            for (String s : a) str(s);
        } else if (v instanceof boolean[]) {
            boolean[] a = (boolean[]) v;
            u8(5).u16(a.length);
            for (boolean b : a) u8(b ? 1 : 0);
        } else if (v instanceof long[]) {
            long[] a = (long[]) v;
            u8(6).u16(a.length);
            for (long l : a) i64(l);
        } else if (v instanceof double[]) {
            double[] a = (double[]) v;
            u8(7).u16(a.length);
            for (double d : a) i64(Double.doubleToRawLongBits(d));
        } else {
            u8(0).str(String.valueOf(v));
        }
    }
}
