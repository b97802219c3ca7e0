package io.connectotel.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reading of the span wire format for the tests (the native side's decoder is src/spans/codec.rs): the whole
 * buffer must be one well-framed span, as the agent requires, or the span would be dropped as malformed.
 */
final class SpanBytes {
    final Map<String, Object> attributes;
    /** Per event: its attributes. */
    final List<Map<String, Object>> events = new ArrayList<>();
    /** Per link: its attributes. */
    final List<Map<String, Object>> links = new ArrayList<>();
    final long droppedAttributes;
    final long droppedEvents;
    final long droppedLinks;
    final String name;
    final String traceState;
    /** Per event and per link: the attributes it dropped. */
    final List<Long> eventDropped = new ArrayList<>();
    final List<Long> linkDropped = new ArrayList<>();
    final List<String> linkTraceStates = new ArrayList<>();

    private final ByteBuffer b;

    SpanBytes(byte[] bytes, int length) {
        b = ByteBuffer.wrap(bytes, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(2, b.get(), "version");
        b.position(b.position() + 52); // ids, parent, flags, times, kind, status
        str();
        str();
        name = str();
        str();
        traceState = str();
        droppedAttributes = b.getInt() & 0xffffffffL;
        droppedEvents = b.getInt() & 0xffffffffL;
        droppedLinks = b.getInt() & 0xffffffffL;
        attributes = attrs();
        for (int n = u16(), i = 0; i < n; i++) {
            b.getLong();
            str();
            eventDropped.add(b.getInt() & 0xffffffffL);
            events.add(attrs());
        }
        for (int n = u16(), i = 0; i < n; i++) {
            b.position(b.position() + 26);
            linkTraceStates.add(str());
            linkDropped.add(b.getInt() & 0xffffffffL);
            links.add(attrs());
        }
        assertEquals(0, b.remaining(), "trailing bytes");
    }

    private int u16() {
        return b.getShort() & 0xffff;
    }

    private String str() {
        byte[] s = new byte[b.getInt()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private Map<String, Object> attrs() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int n = u16(), i = 0; i < n; i++) {
            String k = str();
            out.put(k, value());
        }
        return out;
    }

    /** Scalars as String, Boolean, Long, Double; arrays as a List of those. */
    private Object value() {
        int tag = b.get();
        if (tag >= 4 && tag <= 7) {
            List<Object> a = new ArrayList<>();
            for (int n = u16(), i = 0; i < n; i++) {
                a.add(scalar(tag - 4));
            }
            return a;
        }
        return scalar(tag);
    }

    private Object scalar(int tag) {
        switch (tag) {
            case 0: return str();
            case 1: return b.get() != 0;
            case 2: return b.getLong();
            case 3: return Double.longBitsToDouble(b.getLong());
            default: throw new AssertionError("unknown attribute type " + tag);
        }
    }
}
