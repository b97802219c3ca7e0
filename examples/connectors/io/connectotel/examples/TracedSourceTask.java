package io.connectotel.examples;

import io.connectotel.api.ConnectHeaders;
import io.connectotel.api.ConnectOtel;
import io.connectotel.api.Scope;
import io.connectotel.api.Span;
import io.connectotel.api.SpanKind;
import io.connectotel.api.Tracer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;

/**
 * Traces each {@code poll()} (span {@code source.poll}) and each record it returns ({@code source.record}, a
 * PRODUCER span), and injects the record span's context into the record's headers, so that the sink side
 * (or any consumer) continues the trace.
 */
public class TracedSourceTask extends SourceTask {
    private static final Tracer tracer = ConnectOtel.getTracer("custom-source-connector", "1.0");

    private String topic;
    private int perPoll;
    private long intervalMs;
    private long max;
    private long next;

    @Override public String version() { return "1.0"; }

    @Override
    public void start(Map<String, String> props) {
        topic = props.get("topic");
        perPoll = Integer.parseInt(props.getOrDefault("records.per.poll", "5"));
        intervalMs = Long.parseLong(props.getOrDefault("poll.interval.ms", "1000"));
        max = Long.parseLong(props.getOrDefault("max.records", String.valueOf(Long.MAX_VALUE)));
        Map<String, Object> offset = context == null ? null : context.offsetStorageReader().offset(Collections.singletonMap("source", "traced"));
        next = offset == null || offset.get("next") == null ? 0 : ((Number) offset.get("next")).longValue();
    }

    @Override
    public List<SourceRecord> poll() throws InterruptedException {
        if (next >= max) {
            Thread.sleep(intervalMs);
            return null;
        }
        Thread.sleep(intervalMs);
        Span poll = tracer.spanBuilder("source.poll").setAttribute("kafka.topic", topic).startSpan();
        try (Scope scope = poll.makeCurrent()) {
            List<SourceRecord> records = new ArrayList<>();
            for (int i = 0; i < perPoll && next < max; i++, next++) {
                Span produce = tracer.spanBuilder("source.record").setSpanKind(SpanKind.PRODUCER)
                        .setAttribute("record.number", next).startSpan();
                try (Scope s = produce.makeCurrent()) {
                    SourceRecord r = new SourceRecord(Collections.singletonMap("source", "traced"),
                            Collections.singletonMap("next", next + 1), topic, null, Schema.STRING_SCHEMA, "record " + next);
                    ConnectHeaders.inject(r.headers());
                    records.add(r);
                } finally {
                    produce.end();
                }
            }
            poll.setAttribute("kafka.connect.batch.size", records.size());
            return records;
        } finally {
            poll.end();
        }
    }

    @Override public void stop() {}
}
