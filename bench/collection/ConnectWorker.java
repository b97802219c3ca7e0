import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.JmxReporter;
import org.apache.kafka.common.metrics.KafkaMetricsContext;
import org.apache.kafka.common.metrics.MeasurableStat;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Avg;
import org.apache.kafka.common.metrics.stats.CumulativeSum;
import org.apache.kafka.common.metrics.stats.Max;
import org.apache.kafka.common.metrics.stats.Min;
import org.apache.kafka.common.metrics.stats.Rate;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.health.ConnectorType;

/**
 * The MBeans of one Kafka Connect 4.1 worker running N tasks, registered the way Connect and its clients do:
 * kafka-clients' {@code Metrics} + {@code JmxReporter} (the real {@code KafkaMbean}), the same groups, tags,
 * tag order and value types, {@code AppInfoParser} for app-info, one {@code Metrics} per embedded client.
 * Numeric attributes named like windowed stats are real stats ({@code Rate}, {@code Avg}, {@code Max},
 * {@code Min}, {@code CumulativeSum}) behind a {@code Sensor}, so a read computes them as Connect's do.
 *
 * <p>Per task: {@code connector-task-metrics}, {@code source-task-metrics} or {@code sink-task-metrics},
 * {@code task-error-metrics}, one {@code connector-transform-metrics}; plus the task's client: a sink task's
 * consumer (client, coordinator, fetch-manager, per-topic, per-partition, per-node, app-info, metrics-count)
 * or a source task's producer (client, per-topic, per-node, app-info, metrics-count). Connectors have
 * {@value #TASKS_PER_CONNECTOR} tasks, sources and sinks alternating. Source tasks run without exactly-once,
 * so, as in Connect, they have no {@code transaction-size-*} attributes.
 */
final class ConnectWorker {
    static final int TASKS_PER_CONNECTOR = 5;
    static final String WORKER_ID = "127.0.0.1:8083";

    // Attribute lists, from Kafka's sources (see ../shared/reference/connect-metrics.md).
    static final String WORKER = "connector-count task-count connector-startup-attempts-total connector-startup-success-total "
            + "connector-startup-failure-total connector-startup-success-percentage connector-startup-failure-percentage "
            + "task-startup-attempts-total task-startup-success-total task-startup-failure-total "
            + "task-startup-success-percentage task-startup-failure-percentage";
    static final String REBALANCE_NUMBERS = "epoch rebalancing completed-rebalances-total rebalance-max-time-ms "
            + "rebalance-avg-time-ms time-since-last-rebalance-ms";
    static final String COORDINATOR = "assigned-connectors assigned-tasks heartbeat-response-time-max heartbeat-rate "
            + "heartbeat-total join-rate join-total join-time-avg join-time-max sync-rate sync-total sync-time-avg "
            + "sync-time-max rebalance-latency-avg rebalance-latency-max rebalance-latency-total rebalance-total "
            + "failed-rebalance-total rebalance-rate-per-hour failed-rebalance-rate-per-hour last-rebalance-seconds-ago "
            + "last-heartbeat-seconds-ago";
    /** Kafka's network {@code Selector}: {@code connect-metrics}, {@code consumer-metrics}, {@code producer-metrics}. */
    static final String SELECTOR = "connection-close-rate connection-close-total connection-creation-rate "
            + "connection-creation-total successful-authentication-rate successful-authentication-total "
            + "successful-reauthentication-rate successful-reauthentication-total failed-authentication-rate "
            + "failed-authentication-total failed-reauthentication-rate failed-reauthentication-total network-io-rate "
            + "network-io-total outgoing-byte-rate outgoing-byte-total request-rate request-total incoming-byte-rate "
            + "incoming-byte-total response-rate response-total select-rate select-total "
            + "successful-authentication-no-reauth-total reauthentication-latency-max reauthentication-latency-avg "
            + "request-size-avg request-size-max io-wait-time-ns-avg io-wait-ratio io-wait-time-ns-total io-waittime-total "
            + "io-time-ns-avg io-ratio io-time-ns-total iotime-total connection-count";
    static final String NODE = "outgoing-byte-rate outgoing-byte-total request-rate request-total incoming-byte-rate "
            + "incoming-byte-total response-rate response-total request-size-avg request-size-max request-latency-avg "
            + "request-latency-max";
    static final String CONNECTOR_TASKS = "connector-total-task-count connector-running-task-count "
            + "connector-paused-task-count connector-failed-task-count connector-unassigned-task-count "
            + "connector-destroyed-task-count connector-restarting-task-count";
    static final String TASK_NUMBERS = "running-ratio pause-ratio offset-commit-max-time-ms offset-commit-avg-time-ms "
            + "batch-size-max batch-size-avg offset-commit-success-percentage offset-commit-failure-percentage";
    static final String SOURCE_TASK = "source-record-poll-rate source-record-poll-total source-record-write-rate "
            + "source-record-write-total poll-batch-max-time-ms poll-batch-avg-time-ms source-record-active-count "
            + "source-record-active-count-max source-record-active-count-avg";
    static final String SINK_TASK = "sink-record-read-rate sink-record-read-total sink-record-send-rate "
            + "sink-record-send-total sink-record-active-count sink-record-active-count-max sink-record-active-count-avg "
            + "partition-count offset-commit-seq-no offset-commit-completion-rate offset-commit-completion-total "
            + "offset-commit-skip-rate offset-commit-skip-total put-batch-max-time-ms put-batch-avg-time-ms";
    static final String TASK_ERRORS = "total-record-failures total-record-errors total-records-skipped total-retries "
            + "total-errors-logged deadletterqueue-produce-requests deadletterqueue-produce-failures last-error-timestamp";
    static final String CONSUMER = SELECTOR + " last-poll-seconds-ago time-between-poll-avg time-between-poll-max "
            + "poll-idle-ratio-avg commit-sync-time-ns-total committed-time-ns-total";
    static final String CONSUMER_COORDINATOR = "assigned-partitions commit-latency-avg commit-latency-max commit-rate "
            + "commit-total rebalance-total failed-rebalance-total heartbeat-response-time-max heartbeat-rate "
            + "heartbeat-total join-time-avg join-time-max join-rate join-total sync-time-avg sync-time-max sync-rate "
            + "sync-total rebalance-latency-avg rebalance-latency-max rebalance-latency-total rebalance-rate-per-hour "
            + "failed-rebalance-rate-per-hour last-rebalance-seconds-ago last-heartbeat-seconds-ago "
            + "partition-revoked-latency-avg partition-revoked-latency-max partition-assigned-latency-avg "
            + "partition-assigned-latency-max partition-lost-latency-avg partition-lost-latency-max";
    static final String FETCH_MANAGER = "bytes-consumed-rate bytes-consumed-total fetch-latency-avg fetch-latency-max "
            + "fetch-rate fetch-total fetch-size-avg fetch-size-max fetch-throttle-time-avg fetch-throttle-time-max "
            + "records-consumed-rate records-consumed-total records-lag-max records-lead-min records-per-request-avg";
    static final String FETCH_TOPIC = "bytes-consumed-rate bytes-consumed-total fetch-size-avg fetch-size-max "
            + "records-consumed-rate records-consumed-total records-per-request-avg";
    static final String FETCH_PARTITION = "records-lag records-lag-avg records-lag-max records-lead records-lead-avg "
            + "records-lead-min preferred-read-replica";
    static final String PRODUCER = SELECTOR + " batch-size-avg batch-size-max batch-split-rate batch-split-total "
            + "buffer-available-bytes buffer-exhausted-rate buffer-exhausted-total buffer-total-bytes bufferpool-wait-ratio "
            + "bufferpool-wait-time-ns-total compression-rate-avg metadata-age produce-throttle-time-avg "
            + "produce-throttle-time-max record-error-rate record-error-total record-queue-time-avg record-queue-time-max "
            + "record-retry-rate record-retry-total record-send-rate record-send-total record-size-avg record-size-max "
            + "records-per-request-avg request-latency-avg request-latency-max requests-in-flight waiting-threads "
            + "flush-time-ns-total";
    static final String PRODUCER_TOPIC = "byte-rate byte-total compression-rate record-error-rate record-error-total "
            + "record-retry-rate record-retry-total record-send-rate record-send-total";

    private final Metrics connect = metrics("kafka.connect", Map.of());
    private final Metrics member = metrics("kafka.connect", Map.of("client-id", "connect-" + WORKER_ID));
    private final List<Metrics> clients = new ArrayList<>();
    /** Namespace and client-id of each app-info registered, to unregister them in {@link #close()}. */
    private final List<String[]> appInfos = new ArrayList<>();
    private int connectors;
    private int tasks;

    ConnectWorker() {
        AppInfoParser.registerAppInfo("kafka.connect", WORKER_ID, connect, Time.SYSTEM.milliseconds());
        appInfos.add(new String[] {"kafka.connect", WORKER_ID});
        LinkedHashMap<String, String> none = new LinkedHashMap<>();
        gauge(connect, "connect-worker-metrics", none, "connector-count", (c, now) -> (double) connectors);
        gauge(connect, "connect-worker-metrics", none, "task-count", (c, now) -> (double) tasks);
        numbers(connect, "connect-worker-metrics", none, WORKER.replace("connector-count task-count ", ""));
        strings(connect, "connect-worker-rebalance-metrics", none, "connect-protocol", "SESSIONED",
                "leader-name", "http://" + WORKER_ID + "/");
        numbers(connect, "connect-worker-rebalance-metrics", none, REBALANCE_NUMBERS);
        AppInfoParser.registerAppInfo("kafka.connect", "connect-" + WORKER_ID, member, Time.SYSTEM.milliseconds());
        appInfos.add(new String[] {"kafka.connect", "connect-" + WORKER_ID});
        numbers(member, "connect-coordinator-metrics", none, COORDINATOR);
        numbers(member, "connect-metrics", none, SELECTOR);
        numbers(member, "connect-node-metrics", tags("node-id", "node-1"), NODE);
        numbers(member, "connect-node-metrics", tags("node-id", "node-2147483646"), NODE);
    }

    int tasks() {
        return tasks;
    }

    /** Adds connectors until the worker runs {@code n} tasks. */
    void grow(int n) {
        while (tasks < n) {
            connector(Math.min(TASKS_PER_CONNECTOR, n - tasks));
        }
    }

    private void connector(int taskCount) {
        boolean sink = connectors % 2 == 1;
        String name = String.format("%s-%04d", sink ? "sink" : "source", connectors);
        connectors++;
        strings(connect, "connector-metrics", tags("connector", name),
                "connector-class", sink ? "org.example.BenchSinkConnector" : "org.example.BenchSourceConnector",
                "connector-type", sink ? "sink" : "source", "connector-version", "1.0", "status", "running");
        LinkedHashMap<String, String> byConnector = tags("connector", name);
        for (String a : CONNECTOR_TASKS.split(" ")) {
            long value = a.equals("connector-total-task-count") || a.equals("connector-running-task-count") ? taskCount : 0;
            gauge(connect, "connect-worker-metrics", byConnector, a, (c, now) -> value);
        }
        for (int t = 0; t < taskCount; t++) {
            task(name, t, sink);
            tasks++;
        }
    }

    private void task(String connector, int task, boolean sink) {
        LinkedHashMap<String, String> tt = tags("connector", connector, "task", Integer.toString(task));
        strings(connect, "connector-task-metrics", tt, "status", "running");
        numbers(connect, "connector-task-metrics", tt, TASK_NUMBERS);
        ConnectorType type = sink ? ConnectorType.SINK : ConnectorType.SOURCE;
        gauge(connect, "connector-task-metrics", tt, "connector-type", (c, now) -> type);
        strings(connect, "connector-task-metrics", tt,
                "connector-class", sink ? "org.example.BenchSinkConnector" : "org.example.BenchSourceConnector",
                "connector-version", "1.0", "task-class", "org.example.BenchTask", "task-version", "1.0",
                "key-converter-class", "org.apache.kafka.connect.storage.StringConverter", "key-converter-version", "4.1.1",
                "value-converter-class", "org.apache.kafka.connect.json.JsonConverter", "value-converter-version", "4.1.1",
                "header-converter-class", "org.apache.kafka.connect.storage.SimpleHeaderConverter",
                "header-converter-version", "4.1.1");
        numbers(connect, sink ? "sink-task-metrics" : "source-task-metrics", tt, sink ? SINK_TASK : SOURCE_TASK);
        numbers(connect, "task-error-metrics", tt, TASK_ERRORS);
        strings(connect, "connector-transform-metrics", tags("connector", connector, "task", Integer.toString(task),
                "transform", "mask"), "transform-class", "org.apache.kafka.connect.transforms.MaskField$Value",
                "transform-version", "4.1.1");
        String topic = "topic-" + connector;
        if (sink) {
            String id = "connector-consumer-" + connector + "-" + task;
            Metrics m = client("kafka.consumer", id);
            LinkedHashMap<String, String> none = new LinkedHashMap<>();
            numbers(m, "consumer-metrics", none, CONSUMER);
            numbers(m, "consumer-coordinator-metrics", none, CONSUMER_COORDINATOR);
            numbers(m, "consumer-fetch-manager-metrics", none, FETCH_MANAGER);
            numbers(m, "consumer-fetch-manager-metrics", tags("topic", topic), FETCH_TOPIC);
            numbers(m, "consumer-fetch-manager-metrics", tags("topic", topic, "partition", Integer.toString(task)),
                    FETCH_PARTITION);
            numbers(m, "consumer-node-metrics", tags("node-id", "node-1"), NODE);
        } else {
            String id = "connector-producer-" + connector + "-" + task;
            Metrics m = client("kafka.producer", id);
            numbers(m, "producer-metrics", new LinkedHashMap<>(), PRODUCER);
            numbers(m, "producer-topic-metrics", tags("topic", topic), PRODUCER_TOPIC);
            numbers(m, "producer-node-metrics", tags("node-id", "node-1"), NODE);
        }
    }

    /** An embedded client's own {@code Metrics}, with its client-id as default tag, as Kafka's clients build it. */
    private Metrics client(String namespace, String clientId) {
        Metrics m = metrics(namespace, Map.of("client-id", clientId));
        AppInfoParser.registerAppInfo(namespace, clientId, m, Time.SYSTEM.milliseconds());
        appInfos.add(new String[] {namespace, clientId});
        clients.add(m);
        return m;
    }

    /** Unregisters every MBean of this worker, as a worker shutting down does. */
    void close() {
        for (String[] a : appInfos) {
            AppInfoParser.unregisterAppInfo(a[0], a[1], null);
        }
        for (Metrics m : clients) {
            m.close();
        }
        member.close();
        connect.close();
    }

    private static Metrics metrics(String namespace, Map<String, String> defaultTags) {
        return new Metrics(new MetricConfig().tags(defaultTags), List.of(new JmxReporter()), Time.SYSTEM,
                new KafkaMetricsContext(namespace, Map.of("connect.kafka.cluster.id", "bench")));
    }

    static LinkedHashMap<String, String> tags(String... kv) {
        LinkedHashMap<String, String> t = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            t.put(kv[i], kv[i + 1]);
        }
        return t;
    }

    private static void gauge(Metrics m, String group, LinkedHashMap<String, String> tags, String attr, Gauge<?> g) {
        m.addMetric(m.metricName(attr, group, "", tags), g);
    }

    private static void strings(Metrics m, String group, LinkedHashMap<String, String> tags, String... attrValues) {
        for (int i = 0; i < attrValues.length; i += 2) {
            String value = attrValues[i + 1];
            gauge(m, group, tags, attrValues[i], (c, now) -> value);
        }
    }

    /** Windowed stats and totals as Kafka's sensors compute them; anything else as a gauge. */
    private static void numbers(Metrics m, String group, LinkedHashMap<String, String> tags, String attrs) {
        for (String attr : attrs.split(" ")) {
            MetricName name = m.metricName(attr, group, "", tags);
            MeasurableStat stat = attr.endsWith("-rate") ? new Rate()
                    : attr.endsWith("-total") ? new CumulativeSum()
                    : attr.endsWith("-avg") ? new Avg()
                    : attr.endsWith("-max") ? new Max()
                    : attr.endsWith("-min") ? new Min()
                    : null;
            double value = 1 + (attr.hashCode() & 0xff);
            if (stat == null) {
                m.addMetric(name, (Gauge<Double>) (c, now) -> value);
            } else {
                Sensor s = m.sensor(group + ":" + name.tags() + ":" + attr);
                s.add(name, stat);
                s.record(value);
            }
        }
    }
}
