package io.connectotel.examples.otelapi;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
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
 * The sink task of the tracing guide (docs/tracing.md), written against the OpenTelemetry API only: one
 * {@code sink.put_batch} span per batch, a {@code sink.write_partition} child per partition. Its destination
 * appends record values to a file ({@code file}); a value equal to {@code refuse.value} is refused by it, and
 * that record is recorded as an exception on its partition's span and skipped: the task goes on.
 */
public class CustomSinkTask extends SinkTask {
    private static final Tracer tracer = GlobalOpenTelemetry.getTracer("custom-sink-connector");

    private String file = "";
    private String refuse = "";

    @Override public String version() { return "1.0"; }

    @Override
    public void start(Map<String, String> props) {
        file = props.getOrDefault("file", "");
        refuse = props.getOrDefault("refuse.value", "");
    }

    @Override
    public void put(Collection<SinkRecord> records) {
        if (records.isEmpty()) {
            return;
        }
        Span span = tracer.spanBuilder("sink.put_batch").setSpanKind(SpanKind.CONSUMER)
                .setAttribute("kafka.connect.batch.size", records.size()).startSpan();
        try (Scope scope = span.makeCurrent()) {
            for (Map.Entry<TopicPartition, List<SinkRecord>> entry : groupByPartition(records).entrySet()) {
                Span partitionSpan = tracer.spanBuilder("sink.write_partition")
                        .setAttribute("kafka.topic", entry.getKey().topic())
                        .setAttribute("kafka.partition", entry.getKey().partition()).startSpan();
                try (Scope s = partitionSpan.makeCurrent()) {
                    List<IOException> refused = writeToDestination(entry.getValue());
                    for (IOException e : refused) {
                        partitionSpan.recordException(e);
                    }
                    partitionSpan.setAttribute("write.success", refused.isEmpty());
                    if (!refused.isEmpty()) {
                        partitionSpan.setStatus(StatusCode.ERROR, refused.size() + " record(s) refused");
                    }
                } finally {
                    partitionSpan.end();
                }
            }
        } catch (IOException e) {
            span.recordException(e);
            span.setStatus(StatusCode.ERROR, "Failed to write records");
            throw new RuntimeException("Failed to write records", e);
        } finally {
            span.end();
        }
    }

    private static Map<TopicPartition, List<SinkRecord>> groupByPartition(Collection<SinkRecord> records) {
        Map<TopicPartition, List<SinkRecord>> out = new LinkedHashMap<>();
        for (SinkRecord r : records) {
            out.computeIfAbsent(new TopicPartition(r.topic(), r.kafkaPartition() == null ? 0 : r.kafkaPartition()), k -> new ArrayList<>()).add(r);
        }
        return out;
    }

    /** Appends the values it accepts; returns one exception per record it refused. */
    private List<IOException> writeToDestination(List<SinkRecord> records) throws IOException {
        StringBuilder lines = new StringBuilder();
        List<IOException> refused = new ArrayList<>();
        for (SinkRecord r : records) {
            String v = String.valueOf(r.value());
            if (!refuse.isEmpty() && v.equals(refuse)) {
                refused.add(new IOException("destination refused record at offset " + r.kafkaOffset() + ": " + v));
                continue;
            }
            lines.append(v).append('\n');
        }
        if (!file.isEmpty()) {
            Files.write(Paths.get(file), lines.toString().getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        return refused;
    }

    @Override public void stop() {}
}
