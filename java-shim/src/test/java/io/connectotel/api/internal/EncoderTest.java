package io.connectotel.api.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EncoderTest {
    static int u16(Encoder e, int at) {
        return ByteBuffer.wrap(e.buffer()).order(ByteOrder.LITTLE_ENDIAN).getShort(at) & 0xffff;
    }

    @Test
    void anAttributeListIsWrittenWithAtMostTheWireCount() {
        List<Object[]> many = new ArrayList<>();
        for (int i = 0; i < 70_000; i++) {
            many.add(new Object[] {"k", (long) i});
        }
        Encoder e = new Encoder().attributes(many, many.size());
        assertEquals(AttributeList.MAX_COUNT, u16(e, 0));
        assertEquals(2 + AttributeList.MAX_COUNT * (4 + 1 + 1 + 8), e.length(), "exactly that many written");
        assertEquals(3, u16(new Encoder().attributes(many, 3), 0), "the count asked for, when smaller");
        assertEquals(0, u16(new Encoder().attributes(List.of(), 5), 0), "never more than there are");
    }

    @Test
    void arraysAreWrittenWithAtMostTheWireCount() {
        List<Object[]> one = new ArrayList<>();
        one.add(new Object[] {"a", new double[70_000]});
        Encoder e = new Encoder().attributes(one, 1);
        // count, key "a", tag, element count
        assertEquals(7, e.buffer()[2 + 5]);
        assertEquals(AttributeList.MAX_COUNT, u16(e, 2 + 5 + 1));
        assertEquals(2 + 5 + 1 + 2 + 8 * AttributeList.MAX_COUNT, e.length());
    }

    @Test
    void stringsAreUtf8WithTheirByteLength() {
        Encoder e = new Encoder().str("ascii").str("café ✓").str(null);
        ByteBuffer b = ByteBuffer.wrap(e.buffer(), 0, e.length()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(5, b.getInt(0));
        assertEquals("café ✓".getBytes(java.nio.charset.StandardCharsets.UTF_8).length, b.getInt(9));
        assertEquals(0, b.getInt(e.length() - 4));
    }

    @Test
    void aThreadKeepsOnlyAModestBuffer() {
        Encoder small = Encoder.forThread();
        small.str("x".repeat(1000));
        byte[] kept = Encoder.forThread().buffer();
        assertTrue(kept.length <= Encoder.KEPT_CAPACITY);
        Encoder big = Encoder.forThread();
        big.str("x".repeat(Encoder.KEPT_CAPACITY * 2));
        assertTrue(big.buffer().length > Encoder.KEPT_CAPACITY);
        assertSame(kept.length <= Encoder.KEPT_CAPACITY ? Encoder.forThread() : null, big, "one encoder per thread");
        assertTrue(Encoder.forThread().buffer().length <= Encoder.KEPT_CAPACITY, "the big buffer served one span only");
        assertEquals(0, Encoder.forThread().length());
    }
}
