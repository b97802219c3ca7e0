package io.connectotel.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.connectotel.agent.internal.SpanBridge;
import io.connectotel.api.internal.AttributeList;
import io.connectotel.api.internal.Encoder;
import io.connectotel.api.internal.Settings;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every count in the wire format is a u16: past 65,535 the agent would read a wrapped count and drop the span
 * as malformed. With configured limits above that, every list and array a span can hold still reaches the
 * wire at most 65,535 long and the span stays well-framed; what the limits drop is counted.
 */
class SpanWireLimitsTest {
    static final int MANY = 70_000;

    @AfterEach
    void noAgent() {
        SpanBridge.SETTINGS.set(null);
    }

    static double[] settings(int attributes, int events, int links) {
        double[] s = new double[Settings.SIZE];
        s[Settings.SAMPLER] = Settings.ALWAYS_ON;
        s[Settings.RATIO] = 1;
        s[Settings.ATTRIBUTE_COUNT_LIMIT] = attributes;
        s[Settings.EVENT_COUNT_LIMIT] = events;
        s[Settings.LINK_COUNT_LIMIT] = links;
        s[Settings.ATTRIBUTE_VALUE_LENGTH_LIMIT] = -1;
        return s;
    }

    static SpanBytes wire(Span span) {
        Encoder e = ((Span.Recording) span).encode(new Encoder(), System.currentTimeMillis() * 1_000_000L);
        return new SpanBytes(e.buffer(), e.length());
    }

    static SpanContext remote(int i) {
        return SpanContext.createFromRemoteParent(String.format("%032x", i + 1), String.format("%016x", i + 1), (byte) 1);
    }

    @Test
    void limitsAboveTheWireCountAreCutAtItAndCounted() {
        SpanBridge.SETTINGS.set(settings(MANY, MANY, MANY));
        Attributes.Builder big = Attributes.builder();
        for (int i = 0; i < MANY; i++) {
            big.put("k" + i, i);
        }
        Attributes manyAttributes = big.build();
        long[] longArray = new long[MANY];
        SpanBuilder b = ConnectOtel.getTracer("limits").spanBuilder("s");
        for (int i = 0; i < MANY; i++) {
            b.addLink(remote(i), i == 0 ? manyAttributes : Attributes.empty());
        }
        Span span = b.startSpan();
        // (The span's own attribute count is the attribute limit, at most 65,535: AttributeList, whose
        // one-by-one key check makes 70,000 keys too slow for a unit test.)
        span.setAttribute("a0", longArray);
        span.addEvent("many attributes", manyAttributes);
        span.addEvent("an array", Attributes.builder().put("longs", longArray).put("strings", new String[MANY]).build());
        for (int i = 2; i < MANY; i++) {
            span.addEvent("e");
        }
        SpanBytes w = wire(span);
        assertEquals(AttributeList.MAX_COUNT, ((List<?>) w.attributes.get("a0")).size());
        assertEquals(AttributeList.MAX_COUNT, w.events.size());
        assertEquals(MANY - AttributeList.MAX_COUNT, w.droppedEvents);
        assertEquals(AttributeList.MAX_COUNT, w.events.get(0).size());
        assertEquals(MANY - AttributeList.MAX_COUNT, w.eventDropped.get(0), "an event's attributes past the count");
        assertEquals(0, w.eventDropped.get(1));
        assertEquals(AttributeList.MAX_COUNT, ((List<?>) w.events.get(1).get("longs")).size());
        assertEquals(AttributeList.MAX_COUNT, ((List<?>) w.events.get(1).get("strings")).size());
        assertEquals(AttributeList.MAX_COUNT, w.links.size());
        assertEquals(MANY - AttributeList.MAX_COUNT, w.droppedLinks);
        assertEquals(AttributeList.MAX_COUNT, w.links.get(0).size());
        assertEquals(MANY - AttributeList.MAX_COUNT, w.linkDropped.get(0), "a link's attributes past the count");
        assertEquals(0, w.linkDropped.get(1));
    }

    @Test
    void configuredLimitsBelowTheWireCountApply() {
        SpanBridge.SETTINGS.set(settings(2, 1, 1));
        Span span = ConnectOtel.getTracer("limits").spanBuilder("s").addLink(remote(1)).addLink(remote(2))
                .setAttribute("a", 1L).startSpan();
        span.setAttribute("b", 2L).setAttribute("c", 3L).setAttribute("a", 4L);
        span.addEvent("first", Attributes.builder().put("x", 1L).put("y", 2L).put("z", 3L).build());
        span.addEvent("second");
        SpanBytes w = wire(span);
        assertEquals(List.of("a", "b"), List.copyOf(w.attributes.keySet()));
        assertEquals(4L, w.attributes.get("a"));
        assertEquals(1, w.droppedAttributes);
        assertEquals(1, w.events.size());
        assertEquals(2, w.events.get(0).size());
        assertEquals(List.of(1L), w.eventDropped, "the event's third attribute, over the limit of 2");
        assertEquals(1, w.droppedEvents);
        assertEquals(1, w.links.size());
        assertEquals(1, w.droppedLinks);
        span.end(1, TimeUnit.SECONDS);
        assertTrue(!span.isRecording());
    }

    @Test
    void tracestateOfTheSpanAndOfItsLinksReachesTheWire() {
        SpanBridge.SETTINGS.set(settings(8, 8, 8));
        SpanContext parent = SpanContext.createFromRemoteParent(String.format("%032x", 5), String.format("%016x", 6),
                (byte) 1, "vendor=a1,other=b2");
        SpanContext linked = SpanContext.createFromRemoteParent(String.format("%032x", 7), String.format("%016x", 8),
                (byte) 1, "linked=c3");
        Span span = ConnectOtel.getTracer("state").spanBuilder("s").setParent(Context.fromRemote(parent))
                .addLink(linked).addLink(remote(1)).startSpan();
        SpanBytes w = wire(span);
        assertEquals("vendor=a1,other=b2", w.traceState);
        assertEquals(List.of("linked=c3", ""), w.linkTraceStates);
        Span root = ConnectOtel.getTracer("state").spanBuilder("root").startSpan();
        assertEquals("", wire(root).traceState);
    }
}
