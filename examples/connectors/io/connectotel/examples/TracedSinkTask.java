package io.connectotel.examples;

import io.connectotel.api.ConnectHeaders;
import io.connectotel.api.ConnectOtel;
import io.connectotel.api.Context;
import io.connectotel.api.Scope;
import io.connectotel.api.Span;
import io.connectotel.api.SpanBuilder;
import io.connectotel.api.SpanContext;
import io.connectotel.api.SpanKind;
import io.connectotel.api.StatusCode;
import io.connectotel.api.Tracer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * The sink task of the tracing API's documentation, ported from the OpenTelemetry Java API: only the imports
 * and the line that obtains the tracer differ. It also continues the trace its records carry: one trace in the
 * batch becomes the parent; records from several traces become links.
 */
public class TracedSinkTask extends SinkTask {
    private static final Tracer tracer = ConnectOtel.getTracer("custom-sink-connector");

    private String file = "";
    private String failOn = "";

    @Override public String version() { return "1.0"; }

    @Override
    public void start(Map<String, String> props) {
        file = props.getOrDefault("file", "");
        failOn = props.getOrDefault("fail.on", "");
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        SpanBuilder builder = tracer.spanBuilder("sink.put_batch")
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("kafka.connect.batch.size", records.size());
        continueTraces(builder, records);
        Span span = builder.startSpan();
        try (Scope scope = span.makeCurrent()) {
            for (Map.Entry<TopicPartition, List<SinkRecord>> entry : groupByPartition(records).entrySet()) {
                Span partitionSpan = tracer.spanBuilder("sink.write_partition")
                        .setAttribute("kafka.topic", entry.getKey().topic())
                        .setAttribute("kafka.partition", entry.getKey().partition()).startSpan();
                try (Scope s = partitionSpan.makeCurrent()) {
                    writeToDestination(entry.getValue());
                } catch (Exception e) {
                    partitionSpan.recordException(e);
                    partitionSpan.setAttribute("write.success", false);
                    partitionSpan.setStatus(StatusCode.ERROR, e.getMessage());
                    throw e;
                } finally {
                    partitionSpan.end();
                }
            }
        } catch (Exception e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, "Failed to write records");
            throw new RuntimeException("Failed to write records", e);
        } finally {
            span.end();
        }
    }

    /**
     * All records from one upstream trace: continue it (the first record's span is the parent, the others are
     * linked). Several traces: link to each record's span (a batch has one parent only).
     */
    private static void continueTraces(SpanBuilder builder, Collection<SinkRecord> records) {
        List<SpanContext> upstream = new ArrayList<>();
        for (SinkRecord r : records) {
            SpanContext c = ConnectHeaders.extractSpanContext(r.headers());
            if (c.isValid()) {
                upstream.add(c);
            }
        }
        boolean oneTrace = !upstream.isEmpty() && upstream.stream().allMatch(c -> c.getTraceId().equals(upstream.get(0).getTraceId()));
        for (int i = 0; i < upstream.size(); i++) {
            if (i == 0 && oneTrace) {
                builder.setParent(Context.fromRemote(upstream.get(0)));
            } else {
                builder.addLink(upstream.get(i));
            }
        }
    }

    private static Map<TopicPartition, List<SinkRecord>> groupByPartition(Collection<SinkRecord> records) {
        Map<TopicPartition, List<SinkRecord>> out = new LinkedHashMap<>();
        for (SinkRecord r : records) {
            out.computeIfAbsent(new TopicPartition(r.topic(), r.kafkaPartition() == null ? 0 : r.kafkaPartition()), k -> new ArrayList<>()).add(r);
        }
        return out;
    }

    private void writeToDestination(List<SinkRecord> records) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (SinkRecord r : records) {
            String v = String.valueOf(r.value());
            if (!failOn.isEmpty() && v.contains(failOn)) {
                throw new IOException("destination refused record at offset " + r.kafkaOffset() + ": " + v);
            }
            lines.append(v).append('\n');
        }
        if (!file.isEmpty()) {
            Files.write(Paths.get(file), lines.toString().getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

    @Override public void stop() {}
}
