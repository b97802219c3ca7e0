package io.connectotel.api.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The wire format of a finished span handed to the agent (decoded by the native side's `spans::codec`).
 * Little-endian; strings are a u32 byte length and UTF-8; counts are u16, so a list or array is written with
 * at most {@link AttributeList#MAX_COUNT} items (the API keeps fewer; a count never wraps).
 *
 * <p>A span is encoded into its thread's encoder ({@link #forThread()}), whose buffer is reused span after span
 * and handed to the agent as buffer plus length ({@link Bridge#submit(Encoder)}): the agent copies what it
 * keeps, so a span costs no buffer of its own. A buffer that grows past {@link #KEPT_CAPACITY} serves that one
 * span only.
 */
public final class Encoder {
    /** 2 adds the span's and each link's tracestate and the attributes each event and link dropped. */
    public static final byte VERSION = 2;

    /** The largest buffer a thread keeps between spans. */
    static final int KEPT_CAPACITY = 64 * 1024;
    private static final int INITIAL_CAPACITY = 512;
    private static final int HEADER_SIZE = 53;

    private static final ThreadLocal<Encoder> PER_THREAD = ThreadLocal.withInitial(Encoder::new);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private byte[] kept = new byte[INITIAL_CAPACITY];
    private byte[] buf = kept;
    private int len;

    /**
     * This thread's encoder, empty. It is free again once the span it encodes has been submitted; encoding
     * calls no code of the caller's, so it is never needed twice at once on one thread.
     */
    public static Encoder forThread() {
        Encoder e = PER_THREAD.get();
        e.buf = e.kept;
        e.len = 0;
        return e;
    }

    /** The buffer; its first {@link #length()} bytes are the encoded span. */
    public byte[] buffer() {
        return buf;
    }

    public int length() {
        return len;
    }

    /** A copy of the encoded bytes. */
    public byte[] toBytes() {
        return java.util.Arrays.copyOf(buf, len);
    }

    private void room(int n) {
        if (n > buf.length - len) {
            grow(n);
        }
    }

    private void grow(int n) {
        long wanted = Math.max(2L * buf.length, (long) len + n);
        if (wanted > Integer.MAX_VALUE - 16) {
            throw new OutOfMemoryError("span larger than an array");
        }
        byte[] bigger = java.util.Arrays.copyOf(buf, (int) wanted);
        if (bigger.length <= KEPT_CAPACITY && buf == kept) {
            kept = bigger;
        }
        buf = bigger;
    }

    /** The fixed-size start of a span (the version, ids, parent, flags, times, kind and status). */
    public Encoder header(long traceIdHigh, long traceIdLow, long spanId, long parentSpanId, boolean parentRemote,
            int flags, long start, long end, int kind, int status) {
        room(HEADER_SIZE);
        byte[] b = buf;
        int p = len;
        b[p] = VERSION;
        I64.set(b, p + 1, traceIdHigh);
        I64.set(b, p + 9, traceIdLow);
        I64.set(b, p + 17, spanId);
        I64.set(b, p + 25, parentSpanId);
        b[p + 33] = (byte) (parentRemote ? 1 : 0);
        b[p + 34] = (byte) flags;
        I64.set(b, p + 35, start);
        I64.set(b, p + 43, end);
        b[p + 51] = (byte) kind;
        b[p + 52] = (byte) status;
        len = p + HEADER_SIZE;
        return this;
    }

    public Encoder u8(int v) {
        room(1);
        buf[len++] = (byte) v;
        return this;
    }

    public Encoder u16(int v) {
        room(2);
        buf[len] = (byte) v;
        buf[len + 1] = (byte) (v >>> 8);
        len += 2;
        return this;
    }

    public Encoder u32(int v) {
        room(4);
        I32.set(buf, len, v);
        len += 4;
        return this;
    }

    public Encoder i64(long v) {
        room(8);
        I64.set(buf, len, v);
        len += 8;
        return this;
    }

    /** A string; ASCII (the usual case) goes straight into the buffer, anything else through UTF-8 encoding. */
    public Encoder str(String s) {
        if (s == null) {
            return u32(0);
        }
        int n = s.length();
        room(4 + n);
        byte[] b = buf;
        int at = len + 4;
        int seen = 0;
        for (int i = 0; i < n; i++) { // no early exit: the loop stays simple enough to compile tight
            char c = s.charAt(i);
            seen |= c;
            b[at + i] = (byte) c;
        }
        if (seen >= 0x80) {
            return utf8(s.getBytes(StandardCharsets.UTF_8)); // overwrites what was just written
        }
        I32.set(b, len, n);
        len = at + n;
        return this;
    }

    /** A string already encoded as UTF-8 (e.g. a tracer's name, encoded once). */
    public Encoder utf8(byte[] s) {
        u32(s.length);
        room(s.length);
        System.arraycopy(s, 0, buf, len, s.length);
        len += s.length;
        return this;
    }

    /** A span's attributes. */
    public Encoder attributes(AttributeList attrs) {
        if (attrs == null) {
            return u16(0);
        }
        int n = attrs.size;
        u16(n);
        Object[] refs = attrs.refs;
        long[] bits = attrs.bits;
        for (int i = 0; i < n; i++) {
            str((String) refs[2 * i]);
            Object v = refs[2 * i + 1];
            if (v instanceof String) {
                u8(AttributeList.STRING).str((String) v);
            } else if (v == AttributeList.LONG_VALUE) {
                u8(AttributeList.LONG).i64(bits[i]);
            } else if (v == AttributeList.BOOLEAN_VALUE) {
                u8(AttributeList.BOOLEAN).u8((int) bits[i]);
            } else if (v == AttributeList.DOUBLE_VALUE) {
                u8(AttributeList.DOUBLE).i64(bits[i]);
            } else {
                value(v);
            }
        }
        return this;
    }

    /** Attributes as {key, value} pairs; values are String, Boolean, Long/Integer, Double/Float or arrays. */
    public Encoder attributes(List<Object[]> attrs, int count) {
        count = Math.min(Math.min(count, attrs.size()), AttributeList.MAX_COUNT);
        u16(count);
        for (int i = 0; i < count; i++) {
            Object[] kv = attrs.get(i);
            str((String) kv[0]);
            value(kv[1]);
        }
        return this;
    }

    private static int count(int n) {
        return Math.min(n, AttributeList.MAX_COUNT);
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
            int n = count(a.length);
            u8(4).u16(n);
            for (int i = 0; i < n; i++) str(a[i]);
        } else if (v instanceof boolean[]) {
            boolean[] a = (boolean[]) v;
            int n = count(a.length);
            u8(5).u16(n);
            for (int i = 0; i < n; i++) u8(a[i] ? 1 : 0);
        } else if (v instanceof long[]) {
            long[] a = (long[]) v;
            int n = count(a.length);
            u8(6).u16(n);
            for (int i = 0; i < n; i++) i64(a[i]);
        } else if (v instanceof double[]) {
            double[] a = (double[]) v;
            int n = count(a.length);
            u8(7).u16(n);
            for (int i = 0; i < n; i++) i64(Double.doubleToRawLongBits(a[i]));
        } else {
            u8(0).str(String.valueOf(v));
        }
    }
}
