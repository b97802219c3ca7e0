package io.connectotel.examples;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/** A source connector traced with the connect-otel API: produces numbered records to {@code topic}. */
public class TracedSourceConnector extends SourceConnector {
    static final ConfigDef CONFIG = new ConfigDef()
            .define("topic", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "topic to write to")
            .define("records.per.poll", ConfigDef.Type.INT, 5, ConfigDef.Importance.LOW, "records returned by each poll")
            .define("poll.interval.ms", ConfigDef.Type.LONG, 1000L, ConfigDef.Importance.LOW, "pause between polls")
            .define("max.records", ConfigDef.Type.LONG, Long.MAX_VALUE, ConfigDef.Importance.LOW, "stop producing after this many");

    private Map<String, String> props;

    @Override public String version() { return "1.0"; }
    @Override public void start(Map<String, String> props) { this.props = props; }
    @Override public Class<? extends Task> taskClass() { return TracedSourceTask.class; }
    @Override public void stop() {}
    @Override public ConfigDef config() { return CONFIG; }

    @Override
    public List<Map<String, String>> taskConfigs(int maxTasks) {
        List<Map<String, String>> configs = new ArrayList<>();
        configs.add(props);
        return configs;
    }
}
