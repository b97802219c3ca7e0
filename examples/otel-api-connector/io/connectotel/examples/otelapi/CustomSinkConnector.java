package io.connectotel.examples.otelapi;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * The connector of {@link CustomSinkTask}, traced with the OpenTelemetry API only (no connect-otel class):
 * appends record values to a file ({@code file}); the destination refuses a value equal to
 * {@code refuse.value}, and the task records that and goes on.
 */
public class CustomSinkConnector extends SinkConnector {
    static final ConfigDef CONFIG = new ConfigDef()
            .define("file", ConfigDef.Type.STRING, "", ConfigDef.Importance.HIGH, "file to append record values to (empty: discard)")
            .define("refuse.value", ConfigDef.Type.STRING, "", ConfigDef.Importance.LOW, "a record with this value is refused by the destination");

    private Map<String, String> props;

    @Override public String version() { return "1.0"; }
    @Override public void start(Map<String, String> props) { this.props = props; }
    @Override public Class<? extends Task> taskClass() { return CustomSinkTask.class; }
    @Override public void stop() {}
    @Override public ConfigDef config() { return CONFIG; }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>();
        for (int i = 0; i < maxTasks; i++) {
            configs.add(props);
        }
        return configs;
    }
}
