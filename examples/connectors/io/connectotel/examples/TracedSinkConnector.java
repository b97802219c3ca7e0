package io.connectotel.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * A sink connector traced with the connect-otel API: appends record values to a file ({@code file}); a
 * value containing {@code fail.on} (if set) makes the write fail, to show how failures are traced.
 */
public class TracedSinkConnector extends SinkConnector {
    static final ConfigDef CONFIG = new ConfigDef()
            .define("file", ConfigDef.Type.STRING, "", ConfigDef.Importance.HIGH, "file to append record values to (empty: discard)")
            .define("fail.on", ConfigDef.Type.STRING, "", ConfigDef.Importance.LOW, "a value containing this text fails the write");

    private Map<String, String> props;

    @Override public String version() { return "1.0"; }
    @Override public void start(Map<String, String> props) { this.props = props; }
    @Override public Class<? extends Task> taskClass() { return TracedSinkTask.class; }
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
