package io.connectotel.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.connectotel.agent.internal.SpanBridge;
import io.connectotel.api.internal.Settings;
import io.connectotel.api.internal.TraceState;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.header.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** W3C tracestate through Connect record headers: extracted with traceparent, carried by children, injected. */
class TraceStateTest {
    static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @AfterEach
    void noAgent() {
        SpanBridge.SETTINGS.set(null);
    }

    static void agent(int sampler) {
        double[] s = SpanWireLimitsTest.settings(128, 128, 128);
        s[Settings.SAMPLER] = sampler;
        SpanBridge.SETTINGS.set(s);
    }

    static Headers headers(String traceparent, String... tracestates) {
        Headers h = new org.apache.kafka.connect.header.ConnectHeaders();
        if (traceparent != null) {
            h.addString("traceparent", traceparent);
        }
        for (String s : tracestates) {
            h.addBytes("tracestate", s.getBytes(StandardCharsets.UTF_8));
        }
        return h;
    }

    static String last(Headers h, String name) {
        Header x = h.lastWithName(name);
        return x == null ? null : (String) x.value();
    }

    @Test
    void aChildSpanCarriesItsRemoteParentsTracestateIntoTheRecordsItWrites() {
        agent(Settings.PARENT_ALWAYS_ON);
        SpanContext parent = ConnectHeaders.extractSpanContext(headers(PARENT, "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7"));
        assertTrue(parent.isValid() && parent.isRemote());
        assertEquals("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", parent.getTraceState());

        Span child = ConnectOtel.getTracer("t").spanBuilder("child").setParent(Context.fromRemote(parent)).startSpan();
        assertTrue(child.isRecording());
        assertEquals(parent.getTraceState(), child.getSpanContext().getTraceState());
        Headers out = headers(null, "stale=1");
        try (Scope s = child.makeCurrent()) {
            ConnectHeaders.inject(out);
        }
        assertEquals("00-4bf92f3577b34da6a3ce929d0e0e4736-" + child.getSpanContext().getSpanId() + "-01", last(out, "traceparent"));
        assertEquals("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", last(out, "tracestate"));
        assertEquals(1, count(out, "tracestate"), "the earlier tracestate is replaced");

        // And back: what was injected extracts to the child's context.
        SpanContext again = ConnectHeaders.extractSpanContext(out);
        assertEquals(child.getSpanContext().getSpanId(), again.getSpanId());
        assertEquals(parent.getTraceState(), again.getTraceState());
    }

    @Test
    void anUnsampledChildPropagatesTheTracestateToo() {
        agent(Settings.PARENT_ALWAYS_ON);
        SpanContext parent = ConnectHeaders.extractSpanContext(headers(PARENT.replaceFirst("01$", "00"), "k=v"));
        Span child = ConnectOtel.getTracer("t").spanBuilder("c").setParent(Context.fromRemote(parent)).startSpan();
        assertFalse(child.isRecording());
        Headers out = headers(null);
        ConnectHeaders.inject(Context.root().with(child), out);
        assertEquals("k=v", last(out, "tracestate"));
        assertTrue(last(out, "traceparent").endsWith("-00"));
    }

    @Test
    void repeatedHeadersAreOneListAndAnInvalidListIsDropped() {
        assertEquals("a=1,b=2,c=3", ConnectHeaders.extractSpanContext(headers(PARENT, "a=1", "b=2, c=3")).getTraceState());
        SpanContext bad = ConnectHeaders.extractSpanContext(headers(PARENT, "Upper=1"));
        assertTrue(bad.isValid());
        assertEquals("", bad.getTraceState());
        Headers out = headers(null, "stale=1");
        ConnectHeaders.inject(Context.fromRemote(bad), out);
        assertNull(last(out, "tracestate"), "no tracestate written for a trace without one, and the stale one is gone");
        assertFalse(ConnectHeaders.extractSpanContext(headers(null, "a=1")).isValid(), "no traceparent, no context");
        assertEquals("", ConnectHeaders.extractSpanContext(headers(PARENT)).getTraceState());
        assertEquals("", Span.getInvalid().getSpanContext().getTraceState());
    }

    @Test
    void theListIsValidatedAsW3CSays() {
        assertEquals("", TraceState.parse(null));
        assertEquals("", TraceState.parse(" , ,"));
        assertEquals("a=1,b=2", TraceState.parse("a=1 ,\t, b=2"));
        assertEquals("t61@dd=x,a-b_c*d/e=1 2", TraceState.parse("t61@dd=x,a-b_c*d/e=1 2"));
        assertEquals("0tenant@sys=v", TraceState.parse("0tenant@sys=v"));
        assertEquals("a@sys45678901234=1", TraceState.parse("a@sys45678901234=1"), "a system id of 14 characters");
        for (String invalid : new String[] {"a", "=1", "a=", "A=1", "1a=1", "a=1,a=2", "a=x=y", "a=é", "a@=1",
                "a@1sys=1", "a@sys456789012345=1", "a=" + "v".repeat(257), "k".repeat(257) + "=1"}) {
            assertEquals("", TraceState.parse(invalid), invalid);
        }
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            members.append(i == 0 ? "" : ",").append("k").append(i).append("=v");
        }
        assertEquals(members.toString(), TraceState.parse(members.toString()));
        assertEquals("", TraceState.parse(members + ",k32=v"), "33 members");
    }

    private static int count(Headers h, String name) {
        int n = 0;
        for (java.util.Iterator<Header> it = h.allWithName(name); it.hasNext(); it.next()) {
            n++;
        }
        return n;
    }
}
