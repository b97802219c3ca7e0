//! The metric set as data: which MBean attribute becomes which OpenTelemetry metric, with kind and unit.
//!
//! Why a table: reviewers check it line by line against `connect-metrics.md`, the metric table in docs/metrics.md is
//! generated from it (a test keeps them identical), and a new Kafka attribute is one line. Names follow
//! `kafka.connect.<scope>.<attribute with '-' → '_'>` except the few names fixed by the design's contract,
//! listed in [`CONTRACT_NAMES`] and checked by a test.

/// How a value is published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Monotonic cumulative sum (Kafka `*-total`); restarts from 0 when a task restarts.
    Counter,
    /// Sampled current value (rates, averages, maxima, ratios, counts).
    Gauge,
    /// Non-monotonic sum, where the semantic conventions ask for an UpDownCounter (`jvm.*` counts).
    UpDown,
    /// A string status as a state metric: one series per state in `states`, 1 for the current one.
    State {
        label: &'static str,
        states: &'static [&'static str],
    },
    /// 1 when the string status is `running`, else 0.
    Health,
    /// A string attribute carried as a label of the group's `info` metric (value 1).
    Info { label: &'static str },
    /// A string attribute carried as a label on every series of the same MBean (e.g. `jvm.memory.type`).
    Label { label: &'static str },
    /// Read only to learn a task's connector type (Kafka 4.1+ `connector-type` on the task MBean).
    TaskType,
    /// Every numeric attribute of the MBean, as one metric with the attribute name as a label (KIP-877
    /// plugin metrics, whose names the plugins choose).
    AllNumeric { label: &'static str },
}

/// Conversion applied to the raw value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    One,
    /// Kafka's `*-percentage` attributes are fractions 0–1; published as percent.
    FractionToPercent,
    NanosToSeconds,
    MillisToSeconds,
}

impl Scale {
    pub fn apply(self, v: f64) -> f64 {
        match self {
            Scale::One => v,
            Scale::FractionToPercent => v * 100.0,
            Scale::NanosToSeconds => v / 1e9,
            Scale::MillisToSeconds => v / 1e3,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metric {
    /// The MBean attribute (`*` with [`Kind::AllNumeric`]).
    pub attribute: &'static str,
    /// The item of a `CompositeData` value (JVM memory usage), if any.
    pub item: Option<&'static str>,
    /// The OpenTelemetry metric name (empty for labels and type hints).
    pub name: &'static str,
    pub kind: Kind,
    pub unit: &'static str,
    pub scale: Scale,
    /// Only for tasks of this connector type (`source` or `sink`).
    pub task_type: Option<&'static str>,
    /// Values below this are "not set" and skipped (e.g. JVM pool `max` of -1).
    pub skip_negative: bool,
    /// The other share of the same Kafka `Frequencies` stat (success ↔ failure percentage). Kafka reports both
    /// as 0 when its window holds no sample (no commit, no startup yet): when this attribute and the other are
    /// both 0, neither is published, and each is counted as skipped with reason `no_samples`.
    pub complement: Option<&'static str>,
}

const fn m(attribute: &'static str, name: &'static str, kind: Kind, unit: &'static str) -> Metric {
    Metric {
        attribute,
        item: None,
        name,
        kind,
        unit,
        scale: Scale::One,
        task_type: None,
        skip_negative: false,
        complement: None,
    }
}
const fn total(attribute: &'static str, name: &'static str, unit: &'static str) -> Metric {
    m(attribute, name, Kind::Counter, unit)
}
const fn gauge(attribute: &'static str, name: &'static str, unit: &'static str) -> Metric {
    m(attribute, name, Kind::Gauge, unit)
}
const fn percent(attribute: &'static str, name: &'static str) -> Metric {
    Metric {
        scale: Scale::FractionToPercent,
        ..m(attribute, name, Kind::Gauge, "%")
    }
}
/// One of a success/failure pair of percentages (see [`Metric::complement`]).
const fn share(attribute: &'static str, complement: &'static str, name: &'static str) -> Metric {
    Metric {
        complement: Some(complement),
        ..percent(attribute, name)
    }
}
const fn info(attribute: &'static str, label: &'static str) -> Metric {
    m(attribute, "", Kind::Info { label }, "")
}
const fn typed(task_type: &'static str, metric: Metric) -> Metric {
    Metric {
        task_type: Some(task_type),
        ..metric
    }
}
const fn item(
    attribute: &'static str,
    item: &'static str,
    name: &'static str,
    kind: Kind,
    unit: &'static str,
) -> Metric {
    Metric {
        item: Some(item),
        ..m(attribute, name, kind, unit)
    }
}

/// Who a series belongs to, and so which attributes identify it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    /// The worker itself: the resource identifies it.
    Worker,
    /// `kafka.connect.connector`.
    Connector,
    /// `kafka.connect.connector`, `kafka.connect.task.id`, `kafka.connect.connector.type`.
    Task,
    /// A task plus the plugin alias key of the MBean (`transform`, `predicate`).
    TaskPlugin { key: &'static str, label: &'static str },
    /// KIP-877 plugin metrics: connector, task (when present) and every other key property as a label.
    PluginMetrics,
    /// A connector's own Kafka client, attributed from its client-id (`connector-consumer-<c>-<t>` …).
    ConnectorClient,
    /// A JVM MBean; `name_label` carries the `name` key (memory pool, collector).
    Jvm { name_label: Option<&'static str> },
}

pub const CONNECTOR: &str = "kafka.connect.connector";
pub const TASK: &str = "kafka.connect.task.id";
pub const CONNECTOR_TYPE: &str = "kafka.connect.connector.type";
pub const CLIENT_ROLE: &str = "kafka.connect.client.role";

#[derive(Clone, Copy, Debug)]
pub struct Group {
    /// Switch name: `otel.connect.metrics.<switch>.enabled`.
    pub switch: &'static str,
    pub domain: &'static str,
    pub object_type: &'static str,
    /// The other key properties the ObjectName must have, exactly (`type` aside), unless `other_keys`.
    pub keys: &'static [&'static str],
    pub other_keys: bool,
    /// The `<scope>` of derived names: part of the table so that the naming test can hold every derived name
    /// to `kafka.connect.<scope>.<attribute>`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub scope: &'static str,
    pub entity: Entity,
    /// The metric that carries the [`Kind::Info`] labels, if the group has any.
    pub info_metric: Option<&'static str>,
    pub metrics: &'static [Metric],
}

const CONNECTOR_STATES: &[&str] = &[
    "unassigned",
    "running",
    "paused",
    "stopped",
    "failed",
    "restarting",
    "destroyed",
];
const TASK_STATES: &[&str] = &["unassigned", "running", "paused", "failed", "restarting", "destroyed"];

const KC: &str = "kafka.connect";

/// Every group the agent reads. Order is the metric table's order (docs/metrics.md).
#[rustfmt::skip]
pub static GROUPS: &[Group] = &[
    Group {
        switch: "worker", domain: KC, object_type: "connect-worker-metrics", keys: &[], other_keys: false,
        scope: "worker", entity: Entity::Worker, info_metric: None,
        metrics: &[
            gauge("connector-count", "kafka.connect.worker.connector_count", "{connector}"),
            gauge("task-count", "kafka.connect.worker.task_count", "{task}"),
            total("connector-startup-attempts-total", "kafka.connect.worker.connector_startup_attempts_total", "{attempt}"),
            total("connector-startup-success-total", "kafka.connect.worker.connector_startup_success_total", "{startup}"),
            total("connector-startup-failure-total", "kafka.connect.worker.connector_startup_failure_total", "{startup}"),
            share("connector-startup-success-percentage", "connector-startup-failure-percentage", "kafka.connect.worker.connector_startup_success_percentage"),
            share("connector-startup-failure-percentage", "connector-startup-success-percentage", "kafka.connect.worker.connector_startup_failure_percentage"),
            total("task-startup-attempts-total", "kafka.connect.worker.task_startup_attempts_total", "{attempt}"),
            total("task-startup-success-total", "kafka.connect.worker.task_startup_success_total", "{startup}"),
            total("task-startup-failure-total", "kafka.connect.worker.task_startup_failure_total", "{startup}"),
            share("task-startup-success-percentage", "task-startup-failure-percentage", "kafka.connect.worker.task_startup_success_percentage"),
            share("task-startup-failure-percentage", "task-startup-success-percentage", "kafka.connect.worker.task_startup_failure_percentage"),
        ],
    },
    Group {
        switch: "worker", domain: KC, object_type: "connect-worker-metrics", keys: &["connector"], other_keys: false,
        scope: "worker", entity: Entity::Connector, info_metric: None,
        metrics: &[
            gauge("connector-total-task-count", "kafka.connect.worker.connector_total_task_count", "{task}"),
            gauge("connector-running-task-count", "kafka.connect.worker.connector_running_task_count", "{task}"),
            gauge("connector-paused-task-count", "kafka.connect.worker.connector_paused_task_count", "{task}"),
            gauge("connector-failed-task-count", "kafka.connect.worker.connector_failed_task_count", "{task}"),
            gauge("connector-unassigned-task-count", "kafka.connect.worker.connector_unassigned_task_count", "{task}"),
            gauge("connector-destroyed-task-count", "kafka.connect.worker.connector_destroyed_task_count", "{task}"),
            gauge("connector-restarting-task-count", "kafka.connect.worker.connector_restarting_task_count", "{task}"),
        ],
    },
    Group {
        switch: "rebalance", domain: KC, object_type: "connect-worker-rebalance-metrics", keys: &[], other_keys: false,
        scope: "worker", entity: Entity::Worker, info_metric: Some("kafka.connect.worker.rebalance_info"),
        metrics: &[
            info("connect-protocol", "kafka.connect.protocol"),
            info("leader-name", "kafka.connect.leader.name"),
            gauge("epoch", "kafka.connect.worker.epoch", "{epoch}"),
            gauge("rebalancing", "kafka.connect.worker.rebalancing", ""),
            total("completed-rebalances-total", "kafka.connect.worker.rebalance_completed_total", "{rebalance}"),
            gauge("rebalance-max-time-ms", "kafka.connect.worker.rebalance_max_time_ms", "ms"),
            gauge("rebalance-avg-time-ms", "kafka.connect.worker.rebalance_avg_time_ms", "ms"),
            gauge("time-since-last-rebalance-ms", "kafka.connect.worker.time_since_last_rebalance_ms", "ms"),
        ],
    },
    Group {
        switch: "connector", domain: KC, object_type: "connector-metrics", keys: &["connector"], other_keys: false,
        scope: "connector", entity: Entity::Connector, info_metric: Some("kafka.connect.connector.info"),
        metrics: &[
            info("connector-class", "kafka.connect.connector.class"),
            info("connector-type", "kafka.connect.connector.type"),
            info("connector-version", "kafka.connect.connector.version"),
            m("status", "kafka.connect.connector.status", Kind::State { label: "kafka.connect.connector.state", states: CONNECTOR_STATES }, ""),
            m("status", "kafka.connect.connector.health", Kind::Health, ""),
        ],
    },
    Group {
        switch: "task", domain: KC, object_type: "connector-task-metrics", keys: &["connector", "task"], other_keys: false,
        scope: "connector.task", entity: Entity::Task, info_metric: Some("kafka.connect.connector.task.info"),
        metrics: &[
            m("status", "kafka.connect.connector.task.status", Kind::State { label: "kafka.connect.task.state", states: TASK_STATES }, ""),
            m("status", "kafka.connect.task.health", Kind::Health, ""),
            gauge("running-ratio", "kafka.connect.connector.task.running_ratio", "1"),
            gauge("pause-ratio", "kafka.connect.connector.task.pause_ratio", "1"),
            gauge("batch-size-max", "kafka.connect.connector.task.batch_size_max", "{record}"),
            gauge("batch-size-avg", "kafka.connect.connector.task.batch_size_avg", "{record}"),
            // Offset commits mean different things for sources and sinks: published under the task's type.
            typed("sink", share("offset-commit-success-percentage", "offset-commit-failure-percentage", "kafka.connect.sink.offset_commit_success_percentage")),
            typed("sink", share("offset-commit-failure-percentage", "offset-commit-success-percentage", "kafka.connect.sink.offset_commit_failure_percentage")),
            typed("sink", gauge("offset-commit-avg-time-ms", "kafka.connect.sink.offset_commit_avg_time_ms", "ms")),
            typed("sink", gauge("offset-commit-max-time-ms", "kafka.connect.sink.offset_commit_max_time_ms", "ms")),
            typed("source", share("offset-commit-success-percentage", "offset-commit-failure-percentage", "kafka.connect.source.offset_commit_success_percentage")),
            typed("source", share("offset-commit-failure-percentage", "offset-commit-success-percentage", "kafka.connect.source.offset_commit_failure_percentage")),
            typed("source", gauge("offset-commit-avg-time-ms", "kafka.connect.source.offset_commit_avg_time_ms", "ms")),
            typed("source", gauge("offset-commit-max-time-ms", "kafka.connect.source.offset_commit_max_time_ms", "ms")),
            // Kafka 4.1+ (KAFKA-18988): plugin classes and versions.
            m("connector-type", "", Kind::TaskType, ""),
            info("connector-class", "kafka.connect.connector.class"),
            info("connector-version", "kafka.connect.connector.version"),
            info("task-class", "kafka.connect.task.class"),
            info("task-version", "kafka.connect.task.version"),
            info("key-converter-class", "kafka.connect.key_converter.class"),
            info("key-converter-version", "kafka.connect.key_converter.version"),
            info("value-converter-class", "kafka.connect.value_converter.class"),
            info("value-converter-version", "kafka.connect.value_converter.version"),
            info("header-converter-class", "kafka.connect.header_converter.class"),
            info("header-converter-version", "kafka.connect.header_converter.version"),
        ],
    },
    Group {
        switch: "source", domain: KC, object_type: "source-task-metrics", keys: &["connector", "task"], other_keys: false,
        scope: "source", entity: Entity::Task, info_metric: None,
        metrics: &[
            gauge("source-record-poll-rate", "kafka.connect.source.source_record_poll_rate", "{record}/s"),
            total("source-record-poll-total", "kafka.connect.source.source_record_poll_total", "{record}"),
            gauge("source-record-write-rate", "kafka.connect.source.source_record_write_rate", "{record}/s"),
            total("source-record-write-total", "kafka.connect.source.source_record_write_total", "{record}"),
            gauge("poll-batch-max-time-ms", "kafka.connect.source.poll_batch_max_time_ms", "ms"),
            gauge("poll-batch-avg-time-ms", "kafka.connect.source.poll_batch_avg_time_ms", "ms"),
            gauge("source-record-active-count", "kafka.connect.source.source_record_active_count", "{record}"),
            gauge("source-record-active-count-max", "kafka.connect.source.source_record_active_count_max", "{record}"),
            gauge("source-record-active-count-avg", "kafka.connect.source.source_record_active_count_avg", "{record}"),
            gauge("transaction-size-min", "kafka.connect.source.transaction_size_min", "{record}"),
            gauge("transaction-size-max", "kafka.connect.source.transaction_size_max", "{record}"),
            gauge("transaction-size-avg", "kafka.connect.source.transaction_size_avg", "{record}"),
        ],
    },
    Group {
        switch: "sink", domain: KC, object_type: "sink-task-metrics", keys: &["connector", "task"], other_keys: false,
        scope: "sink", entity: Entity::Task, info_metric: None,
        metrics: &[
            gauge("sink-record-read-rate", "kafka.connect.sink.sink_record_read_rate", "{record}/s"),
            total("sink-record-read-total", "kafka.connect.sink.sink_record_read_total", "{record}"),
            gauge("sink-record-send-rate", "kafka.connect.sink.sink_record_send_rate", "{record}/s"),
            total("sink-record-send-total", "kafka.connect.sink.sink_record_send_total", "{record}"),
            gauge("sink-record-active-count", "kafka.connect.sink.sink_record_active_count", "{record}"),
            gauge("sink-record-active-count-max", "kafka.connect.sink.sink_record_active_count_max", "{record}"),
            gauge("sink-record-active-count-avg", "kafka.connect.sink.sink_record_active_count_avg", "{record}"),
            gauge("partition-count", "kafka.connect.sink.partition_count", "{partition}"),
            gauge("offset-commit-seq-no", "kafka.connect.sink.offset_commit_seq_no", ""),
            gauge("offset-commit-completion-rate", "kafka.connect.sink.offset_commit_completion_rate", "{commit}/s"),
            total("offset-commit-completion-total", "kafka.connect.sink.offset_commit_completion_total", "{commit}"),
            gauge("offset-commit-skip-rate", "kafka.connect.sink.offset_commit_skip_rate", "{commit}/s"),
            total("offset-commit-skip-total", "kafka.connect.sink.offset_commit_skip_total", "{commit}"),
            gauge("put-batch-max-time-ms", "kafka.connect.sink.put_batch_max_time_ms", "ms"),
            gauge("put-batch-avg-time-ms", "kafka.connect.sink.put_batch_avg_time_ms", "ms"),
        ],
    },
    Group {
        switch: "task-error", domain: KC, object_type: "task-error-metrics", keys: &["connector", "task"], other_keys: false,
        scope: "task_error", entity: Entity::Task, info_metric: None,
        metrics: &[
            total("total-record-failures", "kafka.connect.task_error.total_record_failures", "{failure}"),
            total("total-record-errors", "kafka.connect.task_error.total_record_errors", "{error}"),
            total("total-records-skipped", "kafka.connect.task_error.total_records_skipped", "{record}"),
            total("total-retries", "kafka.connect.task_error.total_retries", "{retry}"),
            total("total-errors-logged", "kafka.connect.task_error.total_errors_logged", "{error}"),
            total("deadletterqueue-produce-requests", "kafka.connect.task_error.deadletterqueue_produce_requests", "{request}"),
            total("deadletterqueue-produce-failures", "kafka.connect.task_error.deadletterqueue_produce_failures", "{request}"),
            gauge("last-error-timestamp", "kafka.connect.task_error.last_error_timestamp", "ms"),
        ],
    },
    Group {
        switch: "task", domain: KC, object_type: "connector-transform-metrics", keys: &["connector", "task", "transform"], other_keys: false,
        scope: "transform", entity: Entity::TaskPlugin { key: "transform", label: "kafka.connect.transform" }, info_metric: Some("kafka.connect.transform.info"),
        metrics: &[
            info("transform-class", "kafka.connect.transform.class"),
            info("transform-version", "kafka.connect.transform.version"),
        ],
    },
    Group {
        switch: "task", domain: KC, object_type: "connector-predicate-metrics", keys: &["connector", "task", "predicate"], other_keys: false,
        scope: "predicate", entity: Entity::TaskPlugin { key: "predicate", label: "kafka.connect.predicate" }, info_metric: Some("kafka.connect.predicate.info"),
        metrics: &[
            info("predicate-class", "kafka.connect.predicate.class"),
            info("predicate-version", "kafka.connect.predicate.version"),
        ],
    },
    Group {
        switch: "plugins", domain: KC, object_type: "plugins", keys: &[], other_keys: true,
        scope: "plugins", entity: Entity::PluginMetrics, info_metric: None,
        metrics: &[m(
            "*",
            "kafka.connect.plugins.value",
            Kind::AllNumeric {
                label: "kafka.connect.plugin.metric",
            },
            "",
        )],
    },
    Group {
        switch: "coordinator", domain: KC, object_type: "connect-coordinator-metrics", keys: &["client-id"], other_keys: false,
        scope: "coordinator", entity: Entity::Worker, info_metric: None,
        metrics: &[
            gauge("assigned-connectors", "kafka.connect.coordinator.assigned_connectors", "{connector}"),
            gauge("assigned-tasks", "kafka.connect.coordinator.assigned_tasks", "{task}"),
            gauge("heartbeat-response-time-max", "kafka.connect.coordinator.heartbeat_response_time_max", "ms"),
            gauge("heartbeat-rate", "kafka.connect.coordinator.heartbeat_rate", "{heartbeat}/s"),
            total("heartbeat-total", "kafka.connect.coordinator.heartbeat_total", "{heartbeat}"),
            gauge("join-rate", "kafka.connect.coordinator.join_rate", "{join}/s"),
            total("join-total", "kafka.connect.coordinator.join_total", "{join}"),
            gauge("join-time-avg", "kafka.connect.coordinator.join_time_avg", "ms"),
            gauge("join-time-max", "kafka.connect.coordinator.join_time_max", "ms"),
            gauge("sync-rate", "kafka.connect.coordinator.sync_rate", "{sync}/s"),
            total("sync-total", "kafka.connect.coordinator.sync_total", "{sync}"),
            gauge("sync-time-avg", "kafka.connect.coordinator.sync_time_avg", "ms"),
            gauge("sync-time-max", "kafka.connect.coordinator.sync_time_max", "ms"),
            gauge("rebalance-latency-avg", "kafka.connect.coordinator.rebalance_latency_avg", "ms"),
            gauge("rebalance-latency-max", "kafka.connect.coordinator.rebalance_latency_max", "ms"),
            total("rebalance-latency-total", "kafka.connect.coordinator.rebalance_latency_total", "ms"),
            total("rebalance-total", "kafka.connect.coordinator.rebalance_total", "{rebalance}"),
            total("failed-rebalance-total", "kafka.connect.coordinator.failed_rebalance_total", "{rebalance}"),
            gauge("rebalance-rate-per-hour", "kafka.connect.coordinator.rebalance_rate_per_hour", "{rebalance}/h"),
            gauge("failed-rebalance-rate-per-hour", "kafka.connect.coordinator.failed_rebalance_rate_per_hour", "{rebalance}/h"),
            gauge("last-rebalance-seconds-ago", "kafka.connect.coordinator.last_rebalance_seconds_ago", "s"),
            gauge("last-heartbeat-seconds-ago", "kafka.connect.coordinator.last_heartbeat_seconds_ago", "s"),
        ],
    },
    Group {
        switch: "coordinator", domain: KC, object_type: "connect-metrics", keys: &["client-id"], other_keys: false,
        scope: "network", entity: Entity::Worker, info_metric: None,
        metrics: &[
            gauge("connection-count", "kafka.connect.network.connection_count", "{connection}"),
            total("connection-creation-total", "kafka.connect.network.connection_creation_total", "{connection}"),
            total("connection-close-total", "kafka.connect.network.connection_close_total", "{connection}"),
            gauge("incoming-byte-rate", "kafka.connect.network.incoming_byte_rate", "By/s"),
            gauge("outgoing-byte-rate", "kafka.connect.network.outgoing_byte_rate", "By/s"),
            gauge("request-rate", "kafka.connect.network.request_rate", "{request}/s"),
            gauge("response-rate", "kafka.connect.network.response_rate", "{response}/s"),
            total("successful-authentication-total", "kafka.connect.network.successful_authentication_total", "{authentication}"),
            total("failed-authentication-total", "kafka.connect.network.failed_authentication_total", "{authentication}"),
            gauge("io-ratio", "kafka.connect.network.io_ratio", "1"),
            gauge("io-wait-ratio", "kafka.connect.network.io_wait_ratio", "1"),
        ],
    },
    Group {
        switch: "app-info", domain: KC, object_type: "app-info", keys: &[], other_keys: false,
        scope: "app", entity: Entity::Worker, info_metric: Some("kafka.connect.app.info"),
        metrics: &[
            info("version", "kafka.version"),
            info("commit-id", "kafka.commit.id"),
            gauge("start-time-ms", "kafka.connect.app.start_time_ms", "ms"),
        ],
    },
    Group {
        switch: "clients", domain: "kafka.consumer", object_type: "consumer-fetch-manager-metrics", keys: &["client-id"], other_keys: false,
        scope: "consumer", entity: Entity::ConnectorClient, info_metric: None,
        metrics: &[
            gauge("records-lag-max", "kafka.connect.consumer.records_lag_max", "{record}"),
            gauge("records-lead-min", "kafka.connect.consumer.records_lead_min", "{record}"),
            gauge("records-consumed-rate", "kafka.connect.consumer.records_consumed_rate", "{record}/s"),
            total("records-consumed-total", "kafka.connect.consumer.records_consumed_total", "{record}"),
            gauge("bytes-consumed-rate", "kafka.connect.consumer.bytes_consumed_rate", "By/s"),
            total("bytes-consumed-total", "kafka.connect.consumer.bytes_consumed_total", "By"),
            gauge("fetch-rate", "kafka.connect.consumer.fetch_rate", "{fetch}/s"),
            total("fetch-total", "kafka.connect.consumer.fetch_total", "{fetch}"),
            gauge("fetch-latency-avg", "kafka.connect.consumer.fetch_latency_avg", "ms"),
            gauge("fetch-latency-max", "kafka.connect.consumer.fetch_latency_max", "ms"),
            gauge("fetch-size-avg", "kafka.connect.consumer.fetch_size_avg", "By"),
            gauge("records-per-request-avg", "kafka.connect.consumer.records_per_request_avg", "{record}"),
        ],
    },
    Group {
        switch: "clients", domain: "kafka.consumer", object_type: "consumer-coordinator-metrics", keys: &["client-id"], other_keys: false,
        scope: "consumer", entity: Entity::ConnectorClient, info_metric: None,
        metrics: &[
            gauge("assigned-partitions", "kafka.connect.consumer.assigned_partitions", "{partition}"),
            gauge("commit-latency-avg", "kafka.connect.consumer.commit_latency_avg", "ms"),
            gauge("commit-rate", "kafka.connect.consumer.commit_rate", "{commit}/s"),
            total("commit-total", "kafka.connect.consumer.commit_total", "{commit}"),
            total("rebalance-total", "kafka.connect.consumer.rebalance_total", "{rebalance}"),
            total("failed-rebalance-total", "kafka.connect.consumer.failed_rebalance_total", "{rebalance}"),
        ],
    },
    Group {
        switch: "clients", domain: "kafka.consumer", object_type: "consumer-metrics", keys: &["client-id"], other_keys: false,
        scope: "consumer", entity: Entity::ConnectorClient, info_metric: None,
        metrics: &[
            gauge("connection-count", "kafka.connect.consumer.connection_count", "{connection}"),
            gauge("last-poll-seconds-ago", "kafka.connect.consumer.last_poll_seconds_ago", "s"),
            gauge("time-between-poll-avg", "kafka.connect.consumer.time_between_poll_avg", "ms"),
            gauge("time-between-poll-max", "kafka.connect.consumer.time_between_poll_max", "ms"),
            gauge("poll-idle-ratio-avg", "kafka.connect.consumer.poll_idle_ratio_avg", "1"),
        ],
    },
    Group {
        switch: "clients", domain: "kafka.producer", object_type: "producer-metrics", keys: &["client-id"], other_keys: false,
        scope: "producer", entity: Entity::ConnectorClient, info_metric: None,
        metrics: &[
            gauge("record-send-rate", "kafka.connect.producer.record_send_rate", "{record}/s"),
            total("record-send-total", "kafka.connect.producer.record_send_total", "{record}"),
            gauge("record-error-rate", "kafka.connect.producer.record_error_rate", "{record}/s"),
            total("record-error-total", "kafka.connect.producer.record_error_total", "{record}"),
            gauge("record-retry-rate", "kafka.connect.producer.record_retry_rate", "{record}/s"),
            total("record-retry-total", "kafka.connect.producer.record_retry_total", "{record}"),
            gauge("request-latency-avg", "kafka.connect.producer.request_latency_avg", "ms"),
            gauge("request-latency-max", "kafka.connect.producer.request_latency_max", "ms"),
            gauge("outgoing-byte-rate", "kafka.connect.producer.outgoing_byte_rate", "By/s"),
            total("outgoing-byte-total", "kafka.connect.producer.outgoing_byte_total", "By"),
            gauge("batch-size-avg", "kafka.connect.producer.batch_size_avg", "By"),
            gauge("record-queue-time-avg", "kafka.connect.producer.record_queue_time_avg", "ms"),
            gauge("buffer-available-bytes", "kafka.connect.producer.buffer_available_bytes", "By"),
            gauge("records-per-request-avg", "kafka.connect.producer.records_per_request_avg", "{record}"),
            gauge("produce-throttle-time-avg", "kafka.connect.producer.produce_throttle_time_avg", "ms"),
            gauge("connection-count", "kafka.connect.producer.connection_count", "{connection}"),
        ],
    },
    Group {
        switch: "jvm", domain: "java.lang", object_type: "MemoryPool", keys: &["name"], other_keys: false,
        scope: "jvm", entity: Entity::Jvm { name_label: Some("jvm.memory.pool.name") }, info_metric: None,
        metrics: &[
            m("Type", "", Kind::Label { label: "jvm.memory.type" }, ""),
            item("Usage", "used", "jvm.memory.used", Kind::UpDown, "By"),
            item("Usage", "committed", "jvm.memory.committed", Kind::UpDown, "By"),
            Metric { skip_negative: true, ..item("Usage", "max", "jvm.memory.limit", Kind::UpDown, "By") },
            item("CollectionUsage", "used", "jvm.memory.used_after_last_gc", Kind::UpDown, "By"),
        ],
    },
    Group {
        switch: "jvm", domain: "java.lang", object_type: "GarbageCollector", keys: &["name"], other_keys: false,
        scope: "jvm", entity: Entity::Jvm { name_label: Some("jvm.gc.name") }, info_metric: None,
        metrics: &[
            total("CollectionCount", "jvm.gc.collections.count", "{collection}"),
            Metric { scale: Scale::MillisToSeconds, ..total("CollectionTime", "jvm.gc.collections.elapsed", "s") },
        ],
    },
    Group {
        switch: "jvm", domain: "java.lang", object_type: "Threading", keys: &[], other_keys: false,
        scope: "jvm", entity: Entity::Jvm { name_label: None }, info_metric: None,
        metrics: &[
            m("ThreadCount", "jvm.thread.count", Kind::UpDown, "{thread}"),
            m("DaemonThreadCount", "jvm.thread.daemon_count", Kind::UpDown, "{thread}"),
        ],
    },
    Group {
        switch: "jvm", domain: "java.lang", object_type: "ClassLoading", keys: &[], other_keys: false,
        scope: "jvm", entity: Entity::Jvm { name_label: None }, info_metric: None,
        metrics: &[
            m("LoadedClassCount", "jvm.class.count", Kind::UpDown, "{class}"),
            total("TotalLoadedClassCount", "jvm.class.loaded", "{class}"),
            total("UnloadedClassCount", "jvm.class.unloaded", "{class}"),
        ],
    },
    Group {
        switch: "jvm", domain: "java.lang", object_type: "OperatingSystem", keys: &[], other_keys: false,
        scope: "jvm", entity: Entity::Jvm { name_label: None }, info_metric: None,
        metrics: &[
            Metric { scale: Scale::NanosToSeconds, ..total("ProcessCpuTime", "jvm.cpu.time", "s") },
            Metric { skip_negative: true, ..gauge("ProcessCpuLoad", "jvm.cpu.recent_utilization", "1") },
            m("AvailableProcessors", "jvm.cpu.count", Kind::UpDown, "{cpu}"),
            Metric { skip_negative: true, ..gauge("SystemLoadAverage", "jvm.system.cpu.load_1m", "{run_queue_item}") },
            Metric { skip_negative: true, ..gauge("CpuLoad", "jvm.system.cpu.utilization", "1") },
            m("OpenFileDescriptorCount", "jvm.file_descriptor.count", Kind::UpDown, "{file_descriptor}"),
        ],
    },
];

/// Names that do not follow `kafka.connect.<scope>.<attribute>`: fixed by the design's contract (users'
/// dashboards and alerts use them) or computed from another attribute. The naming test holds the rest to the pattern.
#[cfg(test)]
const CONTRACT_NAMES: &[&str] = &[
    "kafka.connect.worker.rebalance_completed_total",
    "kafka.connect.sink.offset_commit_success_percentage",
    "kafka.connect.sink.offset_commit_failure_percentage",
    "kafka.connect.sink.offset_commit_avg_time_ms",
    "kafka.connect.sink.offset_commit_max_time_ms",
    "kafka.connect.source.offset_commit_success_percentage",
    "kafka.connect.source.offset_commit_failure_percentage",
    "kafka.connect.source.offset_commit_avg_time_ms",
    "kafka.connect.source.offset_commit_max_time_ms",
    "kafka.connect.connector.health",
    "kafka.connect.task.health",
    "kafka.connect.plugins.value",
];

/// Metrics the agent derives from successive collections rather than reads (see `stall.rs`, `lifecycle.rs`);
/// switch `task` (the `connector` ones: switch `connector`).
#[rustfmt::skip]
pub const DERIVED_METRICS: &[(&str, Kind, &str, &str)] = &[
    ("kafka.connect.task.stalled", Kind::Gauge, "", "1 when a running task with work waiting made no progress for `otel.connect.stall.intervals` collections"),
    ("kafka.connect.task.time_since_progress", Kind::Gauge, "s", "seconds since a running task's progress counters last moved"),
    ("kafka.connect.task.restarts", Kind::Counter, "{restart}", "starts of the task on this worker after its first, also those between two collections (from the MBeans' registrations)"),
    ("kafka.connect.task.transitions", Kind::Counter, "{transition}", "state changes the collections saw, by `kafka.connect.task.previous_state` and `kafka.connect.task.state`"),
    ("kafka.connect.task.state_duration", Kind::Gauge, "s", "seconds the task has been in its current state (`kafka.connect.task.state`), from the collection that first saw it or its last start"),
    ("kafka.connect.connector.restarts", Kind::Counter, "{restart}", "starts of the connector on this worker after its first, also those between two collections"),
    ("kafka.connect.connector.transitions", Kind::Counter, "{transition}", "state changes the collections saw, by `kafka.connect.connector.previous_state` and `kafka.connect.connector.state`"),
    ("kafka.connect.connector.state_duration", Kind::Gauge, "s", "seconds the connector has been in its current state (`kafka.connect.connector.state`)"),
];

/// Attributes whose getter Kafka makes throw while their task or the worker starts, by (MBean `type`,
/// attribute, why). `getAttributes` leaves them out then: counted as
/// `connect_otel.values.skipped{reason="starting"}`, not as a read error, since a healthy worker has them.
/// Each was seen in the end-to-end test, with the exception the agent's line named.
#[rustfmt::skip]
pub const THROWS_WHILE_STARTING: &[(&str, &str, &str)] = &[
    ("connector-task-metrics", "status", "a task's status before its first state: Kafka's StateTracker holds none until the task has started or paused, and the getter throws NullPointerException"),
    ("connect-worker-rebalance-metrics", "connect-protocol", "the worker's rebalance protocol while DistributedHerder's constructor runs: its metrics exist before its group member, and the getter throws NullPointerException (seen on 4.4.0; 3.9.1 and 4.3.1 construct it in the same order)"),
];

/// The agent's own metrics (switch `agent`): how collection and export are doing.
#[rustfmt::skip]
pub const AGENT_METRICS: &[(&str, Kind, &str, &str)] = &[
    ("connect_otel.collection.duration", Kind::Gauge, "s", "time of the last collection (JNI reads and mapping)"),
    ("connect_otel.mbeans", Kind::Gauge, "{mbean}", "MBeans read in the last collection"),
    ("connect_otel.attributes", Kind::Gauge, "{attribute}", "attribute values read in the last collection"),
    ("connect_otel.series", Kind::Gauge, "{series}", "series published from the last collection"),
    ("connect_otel.export.parts", Kind::Gauge, "{request}", "requests one collection's export is split into (up to 10,000 series each), to stay under collectors' message limits"),
    ("connect_otel.read.errors", Kind::Counter, "{error}", "read errors by `error.type` (attribute, conversion, query, jni, name, vanished), each kind explained in a log line (see *The agent's own errors*)"),
    ("connect_otel.values.skipped", Kind::Counter, "{value}", "values left out, by `reason`: non_finite (NaN, ±Infinity), no_samples (a success/failure percentage pair both 0: no sample in Kafka's window), null (an attribute without a value), starting (a getter Kafka makes throw while its task or the worker starts), unattributed"),
    ("connect_otel.export.failures", Kind::Counter, "{export}", "metric export requests that failed, plus collections skipped because the previous export was still running; their data is dropped"),
    ("connect_otel.export.rejected_points", Kind::Counter, "{point}", "data points of accepted metric export requests that the collector rejected (OTLP partial success); its reason is logged at most once a minute"),
    ("connect_otel.spans.dropped", Kind::Counter, "{span}", "spans dropped: tracing queue full, or their export failed"),
    ("connect_otel.spans.exported", Kind::Counter, "{span}", "spans exported"),
    ("connect_otel.spans.export.failures", Kind::Counter, "{export}", "span exports that failed"),
    ("connect_otel.spans.trimmed", Kind::Counter, "{span}", "spans too large for one export request, exported with attributes (then events, links) dropped and counted in the span"),
    ("connect_otel.failure_records.emitted", Kind::Counter, "{record}", "failure log records emitted (a connector or task entering FAILED, or recovering)"),
    ("connect_otel.failure_records.dropped", Kind::Counter, "{record}", "failure log records dropped because the reporter's queue was full"),
];

/// Metric group switches, in the order they are documented.
pub const GROUP_NAMES: &[&str] = &[
    "worker",
    "rebalance",
    "connector",
    "task",
    "source",
    "sink",
    "task-error",
    "plugins",
    "coordinator",
    "app-info",
    "clients",
    "jvm",
    "agent",
];

/// One published metric: a name with one kind and unit, however many rules feed it.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricDef {
    pub name: &'static str,
    pub kind: Kind,
    pub unit: &'static str,
    /// `type=` of the MBean(s) and attribute(s) it comes from, for documentation.
    pub sources: Vec<(&'static str, &'static str)>,
    pub switch: &'static str,
}

/// Every metric the rules publish (info metrics included), each once, in table order.
pub fn metric_defs() -> Vec<MetricDef> {
    let mut out: Vec<MetricDef> = Vec::new();
    let mut add = |name: &'static str, kind: Kind, unit: &'static str, source: (&'static str, &'static str), switch| {
        if let Some(d) = out.iter_mut().find(|d| d.name == name) {
            if !d.sources.contains(&source) {
                d.sources.push(source);
            }
        } else {
            out.push(MetricDef {
                name,
                kind,
                unit,
                sources: vec![source],
                switch,
            });
        }
    };
    for g in GROUPS {
        for r in g.metrics {
            match r.kind {
                Kind::Info { .. } => {
                    if let Some(info) = g.info_metric {
                        add(info, Kind::Gauge, "", (g.object_type, r.attribute), g.switch);
                    }
                }
                Kind::Label { .. } | Kind::TaskType => {}
                _ => add(r.name, r.kind, r.unit, (g.object_type, r.attribute), g.switch),
            }
        }
    }
    for (name, kind, unit, what) in DERIVED_METRICS {
        let switch = if name.starts_with("kafka.connect.connector.") {
            "connector"
        } else {
            "task"
        };
        add(name, *kind, unit, ("(derived)", what), switch);
    }
    for (name, kind, unit, what) in AGENT_METRICS {
        add(name, *kind, unit, ("(agent)", what), "agent");
    }
    out
}

/// The metric reference table, generated from [`GROUPS`] (a test holds the document to it).
#[cfg(test)]
fn markdown_table() -> String {
    let mut s = String::from(
        "| Metric | Instrument | Unit | Group switch | MBean `type` : attribute |\n|---|---|---|---|---|\n",
    );
    for d in metric_defs() {
        let kind = match d.kind {
            Kind::Counter => "counter".to_string(),
            Kind::Gauge if d.name.ends_with(".info") || d.name.ends_with("_info") => "gauge (info, 1)".to_string(),
            Kind::Gauge => "gauge".to_string(),
            Kind::UpDown => "updowncounter".to_string(),
            Kind::State { label, .. } => format!("updowncounter (state: `{label}`)"),
            Kind::Health => "gauge (1 = running)".to_string(),
            Kind::AllNumeric { label } => format!("gauge (per `{label}`)"),
            Kind::Info { .. } | Kind::Label { .. } | Kind::TaskType => unreachable!("not published"),
        };
        let sources: Vec<String> = d.sources.iter().map(|(t, a)| format!("{t} : {a}")).collect();
        let unit = if d.unit.is_empty() {
            "—".to_string()
        } else {
            format!("`{}`", d.unit)
        };
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            d.name,
            kind,
            unit,
            d.switch,
            sources.join(", ")
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn connect_groups() -> impl Iterator<Item = &'static Group> {
        GROUPS.iter().filter(|g| g.domain == KC)
    }

    #[test]
    fn names_follow_the_pattern_or_are_contract_names() {
        for g in connect_groups() {
            for r in g.metrics.iter().filter(|r| !r.name.is_empty()) {
                let derived = format!("kafka.connect.{}.{}", g.scope, r.attribute.replace('-', "_"));
                assert!(
                    r.name == derived || CONTRACT_NAMES.contains(&r.name),
                    "{} : {} → {} (expected {derived} or a contract name)",
                    g.object_type,
                    r.attribute,
                    r.name
                );
            }
        }
        for g in GROUPS
            .iter()
            .filter(|g| g.domain.starts_with("kafka.") && g.domain != KC)
        {
            for r in g.metrics {
                assert_eq!(
                    r.name,
                    format!("kafka.connect.{}.{}", g.scope, r.attribute.replace('-', "_"))
                );
            }
        }
    }

    #[test]
    fn the_design_contract_names_exist_with_their_kinds() {
        let defs = metric_defs();
        let kind_of = |n: &str| {
            defs.iter()
                .find(|d| d.name == n)
                .map(|d| d.kind)
                .unwrap_or_else(|| panic!("missing {n}"))
        };
        for n in [
            "kafka.connect.worker.connector_count",
            "kafka.connect.worker.rebalance_avg_time_ms",
            "kafka.connect.source.poll_batch_avg_time_ms",
            "kafka.connect.source.source_record_active_count",
            "kafka.connect.sink.offset_commit_success_percentage",
            "kafka.connect.sink.offset_commit_avg_time_ms",
            "kafka.connect.sink.partition_count",
        ] {
            assert_eq!(kind_of(n), Kind::Gauge, "{n}");
        }
        for n in [
            "kafka.connect.worker.task_startup_success_total",
            "kafka.connect.worker.task_startup_failure_total",
            "kafka.connect.worker.rebalance_completed_total",
            "kafka.connect.source.source_record_write_total",
            "kafka.connect.source.source_record_poll_total",
            "kafka.connect.sink.sink_record_read_total",
            "kafka.connect.sink.sink_record_send_total",
        ] {
            assert_eq!(kind_of(n), Kind::Counter, "{n}");
        }
        assert!(matches!(kind_of("kafka.connect.connector.status"), Kind::State { .. }));
        assert!(matches!(
            kind_of("kafka.connect.connector.task.status"),
            Kind::State { .. }
        ));
        assert_eq!(kind_of("kafka.connect.connector.health"), Kind::Health);
        assert_eq!(kind_of("kafka.connect.task.health"), Kind::Health);
    }

    #[test]
    fn totals_are_counters_and_percentages_are_percent() {
        for g in GROUPS {
            for r in g.metrics {
                if r.attribute.ends_with("-total") && r.name.starts_with("kafka.") {
                    assert_eq!(r.kind, Kind::Counter, "{}", r.attribute);
                }
                if r.attribute.ends_with("-percentage") && !r.name.is_empty() {
                    assert_eq!((r.unit, r.scale), ("%", Scale::FractionToPercent), "{}", r.attribute);
                }
            }
        }
    }

    #[test]
    fn every_reference_group_is_covered() {
        // connect-metrics.md §1: each MBean group the issue names.
        let types: HashSet<&str> = GROUPS.iter().map(|g| g.object_type).collect();
        for t in [
            "connect-worker-metrics",
            "connect-worker-rebalance-metrics",
            "connector-metrics",
            "connector-task-metrics",
            "source-task-metrics",
            "sink-task-metrics",
            "task-error-metrics",
            "connect-coordinator-metrics",
            "app-info",
            "connector-transform-metrics",
            "connector-predicate-metrics",
            "plugins",
            "consumer-fetch-manager-metrics",
            "producer-metrics",
        ] {
            assert!(types.contains(t), "{t}");
        }
        assert!(GROUPS
            .iter()
            .any(|g| g.object_type == "connect-worker-metrics" && g.keys == ["connector"]));
        // sink-record-lag-max is documented but never registered by Kafka (connect-metrics.md §1.9).
        assert!(GROUPS
            .iter()
            .all(|g| g.metrics.iter().all(|r| r.attribute != "sink-record-lag-max")));
    }

    #[test]
    fn percentage_pairs_name_each_other_in_the_same_group() {
        let mut pairs = 0;
        for g in GROUPS {
            for r in g.metrics {
                let Some(other) = r.complement else {
                    // Every Connect success/failure percentage is one of a pair.
                    assert!(
                        !(r.attribute.ends_with("success-percentage") || r.attribute.ends_with("failure-percentage")),
                        "{} : {} has no complement",
                        g.object_type,
                        r.attribute
                    );
                    continue;
                };
                let partner = g
                    .metrics
                    .iter()
                    .find(|p| p.attribute == other && p.task_type == r.task_type)
                    .unwrap_or_else(|| panic!("{}: {other} is not read with {}", g.object_type, r.attribute));
                assert_eq!(partner.complement, Some(r.attribute), "{} ↔ {other}", r.attribute);
                assert_eq!(r.scale, Scale::FractionToPercent);
                pairs += 1;
            }
        }
        // Worker: connector and task startups; task: sink and source offset commits. Two rules each.
        assert_eq!(pairs, 8);
    }

    #[test]
    fn one_name_one_kind_and_unit() {
        let mut seen: std::collections::HashMap<&str, (Kind, &str)> = Default::default();
        for g in GROUPS {
            for r in g.metrics.iter().filter(|r| !r.name.is_empty()) {
                if let Some(prev) = seen.insert(r.name, (r.kind, r.unit)) {
                    assert_eq!(prev, (r.kind, r.unit), "{} defined twice differently", r.name);
                }
            }
        }
    }

    #[test]
    fn switches_are_documented_names() {
        for g in GROUPS {
            assert!(GROUP_NAMES.contains(&g.switch), "{}", g.switch);
        }
    }

    #[test]
    fn readme_metric_table_is_generated_from_the_rules() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/metrics.md");
        let readme = std::fs::read_to_string(path).expect("docs/metrics.md");
        let (begin, end) = ("<!-- metric-table:begin -->\n", "<!-- metric-table:end -->");
        let start = readme.find(begin).expect("begin marker") + begin.len();
        let stop = readme.find(end).expect("end marker");
        let table = markdown_table();
        if readme[start..stop] != table && std::env::var("CONNECT_OTEL_BLESS").is_ok() {
            std::fs::write(path, format!("{}{}{}", &readme[..start], table, &readme[stop..])).unwrap();
            return;
        }
        assert!(
            readme[start..stop] == table,
            "the metric table in docs/metrics.md is stale: run `CONNECT_OTEL_BLESS=1 cargo test --lib readme`"
        );
    }
}
