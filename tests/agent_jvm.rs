//! A real JVM with the built agent jar and Connect-shaped MBeans (kafka-clients' Metrics + JmxReporter),
//! exporting to a real OTLP receiver in the test, over gRPC and over HTTP.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use support::{one, select, worker_properties, JvmBuilder, Point, PointKind, Receiver};

const WAIT: Duration = Duration::from_secs(30);
const C: &str = "kafka.connect.connector";
const T: &str = "kafka.connect.task.id";
const TY: &str = "kafka.connect.connector.type";

fn has(points: &[Point], name: &str) -> bool {
    points.iter().any(|p| !p.ended && p.name == name)
}

/// A fixture worker with a source connector (2 tasks) and a sink connector with a quoted name (1 task).
/// Waits for `n` more metric exports: a line that repeats would be repeated by then.
fn after_exports(receiver: &Receiver, n: usize) {
    let first = receiver.metric_requests();
    let start = std::time::Instant::now();
    while receiver.metric_requests() < first + n {
        assert!(start.elapsed() < WAIT, "{n} more exports");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn start_worker(args: &str) -> support::Jvm {
    start_worker_with(JvmBuilder::new().args(args))
}

fn start_worker_with(builder: JvmBuilder) -> support::Jvm {
    let mut jvm = builder.spawn();
    jvm.cmd("worker");
    jvm.cmd("connector files source 2");
    jvm.cmd("connector orders:sink sink 1");
    jvm
}

fn check_connect_metrics(p: &[Point]) {
    // Names, kinds, units and values from the rule table, for each group.
    let count = one(p, "kafka.connect.worker.connector_count", &[]);
    assert_eq!(
        (count.value, count.kind.clone(), count.unit.as_str()),
        (2.0, PointKind::Gauge, "{connector}")
    );
    let startups = one(p, "kafka.connect.worker.task_startup_success_total", &[]);
    assert_eq!(
        (startups.value, startups.kind.clone()),
        (7.0, PointKind::Sum { monotonic: true })
    );
    let pct = one(p, "kafka.connect.worker.task_startup_success_percentage", &[]);
    assert_eq!((pct.value, pct.unit.as_str()), (87.5, "%"));
    assert_eq!(one(p, "kafka.connect.worker.rebalance_completed_total", &[]).value, 2.0);

    // NaN (windowed stats without samples) and +Infinity (never rebalanced) are not exported.
    for absent in [
        "kafka.connect.worker.rebalance_avg_time_ms",
        "kafka.connect.worker.rebalance_max_time_ms",
        "kafka.connect.worker.time_since_last_rebalance_ms",
        "kafka.connect.source.transaction_size_avg",
    ] {
        assert!(!has(p, absent), "{absent} should be skipped (NaN/Infinity)");
    }
    assert!(
        one(
            p,
            "kafka.connect.worker.rebalance_info",
            &[("kafka.connect.protocol", "SESSIONED")]
        )
        .value
            == 1.0
    );

    // Connector state metric: one series per state, 1 for the current one; health; info.
    let states = select(p, "kafka.connect.connector.status", &[(C, "orders:sink")]);
    assert_eq!(states.len(), 7);
    assert_eq!(states.iter().filter(|s| s.value == 1.0).count(), 1);
    assert_eq!(
        one(
            p,
            "kafka.connect.connector.status",
            &[(C, "orders:sink"), ("kafka.connect.connector.state", "running")]
        )
        .value,
        1.0
    );
    let status = one(
        p,
        "kafka.connect.connector.status",
        &[(C, "files"), ("kafka.connect.connector.state", "failed")],
    );
    assert_eq!(
        (status.value, status.kind.clone(), status.unit.as_str()),
        (0.0, PointKind::Sum { monotonic: false }, "")
    );
    assert_eq!(one(p, "kafka.connect.connector.health", &[(C, "files")]).value, 1.0);
    one(
        p,
        "kafka.connect.connector.info",
        &[
            (C, "orders:sink"),
            ("kafka.connect.connector.class", "org.example.FixtureSink"),
        ],
    );

    // Per-connector task counts (Long values).
    assert_eq!(
        one(p, "kafka.connect.worker.connector_running_task_count", &[(C, "files")]).value,
        2.0
    );

    // Tasks: connector, task and type on every series; typed offset-commit metrics in percent.
    let sink_task = [(C, "orders:sink"), (T, "0"), (TY, "sink")];
    assert_eq!(one(p, "kafka.connect.task.health", &sink_task).value, 1.0);
    assert_eq!(select(p, "kafka.connect.connector.task.status", &sink_task).len(), 6);
    let osp = one(p, "kafka.connect.sink.offset_commit_success_percentage", &sink_task);
    assert_eq!((osp.value, osp.unit.as_str()), (87.5, "%"));
    assert_eq!(
        one(p, "kafka.connect.sink.offset_commit_avg_time_ms", &sink_task).value,
        12.0
    );
    assert_eq!(one(p, "kafka.connect.sink.partition_count", &sink_task).value, 3.0);
    let read = one(p, "kafka.connect.sink.sink_record_read_total", &sink_task);
    assert_eq!(
        (read.value, read.kind.clone(), read.unit.as_str()),
        (500.0, PointKind::Sum { monotonic: true }, "{record}")
    );
    assert_eq!(
        one(p, "kafka.connect.sink.sink_record_send_total", &sink_task).value,
        495.0
    );
    let src1 = [(C, "files"), (T, "1"), (TY, "source")];
    assert_eq!(
        one(p, "kafka.connect.source.source_record_write_total", &src1).value,
        990.0
    );
    assert_eq!(
        one(p, "kafka.connect.source.source_record_poll_total", &src1).value,
        1000.0
    );
    assert_eq!(
        one(p, "kafka.connect.source.source_record_active_count", &src1).value,
        10.0
    );
    assert_eq!(one(p, "kafka.connect.source.poll_batch_avg_time_ms", &src1).value, 5.0);
    assert_eq!(
        one(p, "kafka.connect.source.offset_commit_success_percentage", &src1).value,
        87.5
    );
    assert!(select(
        p,
        "kafka.connect.sink.offset_commit_success_percentage",
        &[(C, "files")]
    )
    .is_empty());
    assert_eq!(
        one(p, "kafka.connect.task_error.last_error_timestamp", &src1).value,
        0.0
    );
    // Kafka 4.1 info (the task's connector-type is an enum object, read via toString()).
    one(
        p,
        "kafka.connect.connector.task.info",
        &[
            (C, "files"),
            (T, "0"),
            ("kafka.connect.task.class", "org.example.FixtureTask"),
        ],
    );
    one(
        p,
        "kafka.connect.transform.info",
        &[(C, "files"), (T, "0"), ("kafka.connect.transform", "mask")],
    );

    // The connectors' own clients, attributed from their client-ids.
    let lag = one(
        p,
        "kafka.connect.consumer.records_lag_max",
        &[(C, "orders:sink"), (T, "0"), ("kafka.connect.client.role", "consumer")],
    );
    assert_eq!(lag.value, 42.0);
    assert_eq!(
        one(p, "kafka.connect.producer.record_send_total", &[(C, "files"), (T, "0")]).value,
        990.0
    );

    // The coordinator (worker client-id is quoted in the ObjectName) and app-info.
    assert_eq!(one(p, "kafka.connect.coordinator.rebalance_total", &[]).value, 2.0);
    one(p, "kafka.connect.app.info", &[("kafka.version", "4.1.1")]);

    // JVM under semantic-convention names.
    let heap: Vec<_> = select(p, "jvm.memory.used", &[("jvm.memory.type", "heap")]);
    assert!(!heap.is_empty() && heap.iter().all(|x| x.value >= 0.0 && x.unit == "By"));
    assert!(one(p, "jvm.thread.count", &[]).value > 1.0);
    assert!(one(p, "jvm.cpu.time", &[]).value > 0.0);
    assert!(!select(p, "jvm.gc.collections.count", &[]).is_empty());
    assert!(one(p, "jvm.class.loaded", &[]).value > 100.0);

    // The agent's own metrics.
    assert!(one(p, "connect_otel.mbeans", &[]).value > 20.0);
    assert!(one(p, "connect_otel.collection.duration", &[]).value > 0.0);
    assert!(one(p, "connect_otel.values.skipped", &[("reason", "non_finite")]).value >= 5.0);
    // Pools without a collection (Metaspace, the code cache) have a null `CollectionUsage`: left out and
    // counted as such, not as a read error. This worker has none of any kind.
    assert!(one(p, "connect_otel.values.skipped", &[("reason", "null")]).value >= 1.0);
    let errors = select(p, "connect_otel.read.errors", &[]);
    assert!(errors.iter().all(|x| x.value == 0.0), "{errors:?}");

    // Nothing exported is garbage.
    for pt in p {
        assert!(pt.value.is_finite(), "{pt:?}");
        assert!(
            !pt.attributes.contains_key("otel.metric.overflow"),
            "overflow series: {pt:?}"
        );
        assert_eq!(pt.scope, "io.connectotel.connect");
    }
}

fn check_resource(p: &[Point]) {
    let r = &p[0].resource;
    assert_eq!(r.get("service.name").map(String::as_str), Some("kafka-connect"));
    assert_eq!(
        r.get("service.instance.id").map(String::as_str),
        Some("127.0.0.1:18083")
    );
    assert_eq!(
        r.get("kafka.connect.cluster").map(String::as_str),
        Some("fixture-cluster")
    );
    assert_eq!(r.get("kafka.version").map(String::as_str), Some("4.1.1"));
    assert!(r.get("host.name").is_some());
    assert!(r.get("process.pid").and_then(|p| p.parse::<u32>().ok()).is_some());
    assert_eq!(r.get("deployment.environment").map(String::as_str), Some("test"));
}

#[test]
fn grpc_delivers_every_connect_metric_group_with_the_worker_identity() {
    let receiver = Receiver::start();
    let dir = support::temp_dir("grpc");
    let props = worker_properties(&dir, "fixture-cluster", 18083);
    let jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.metric.export.interval=1000,otel.connect.worker.config={},\
             otel.exporter.otlp.headers=x-api-key=secret-value,otel.exporter.otlp.compression=gzip",
            receiver.grpc_endpoint(),
            props.display()
        ))
        .env("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")
        .spawn();
    let mut jvm = jvm;
    jvm.cmd("worker");
    jvm.cmd("connector files source 2");
    jvm.cmd("connector orders:sink sink 1");
    let p = receiver.wait_for(WAIT, "sink and producer metrics", |p| {
        has(p, "kafka.connect.sink.sink_record_read_total") && has(p, "kafka.connect.producer.record_send_total")
    });
    check_connect_metrics(&p);
    check_resource(&p);
    let headers = receiver.store.lock().unwrap().metrics.last().unwrap().headers.clone();
    assert_eq!(headers.get("x-api-key").map(String::as_str), Some("secret-value"));
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success());
    assert!(
        !stderr.contains("secret-value"),
        "a header value reached the log:\n{stderr}"
    );
}

#[test]
fn http_protobuf_delivers_the_same_metrics() {
    let receiver = Receiver::start();
    let dir = support::temp_dir("http");
    let props = worker_properties(&dir, "fixture-cluster", 18083);
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.metric.export.interval=1000,otel.connect.worker.config={}",
            props.display()
        ))
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.http_endpoint())
        .env("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")
        .env("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")
        .spawn();
    jvm.cmd("worker");
    jvm.cmd("connector files source 2");
    jvm.cmd("connector orders:sink sink 1");
    let p = receiver.wait_for(WAIT, "sink and producer metrics over HTTP", |p| {
        has(p, "kafka.connect.sink.sink_record_read_total") && has(p, "kafka.connect.producer.record_send_total")
    });
    check_connect_metrics(&p);
    check_resource(&p);
    let headers = receiver.store.lock().unwrap().metrics.last().unwrap().headers.clone();
    assert_eq!(headers.get("content-encoding").map(String::as_str), Some("gzip"));
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

#[test]
fn state_changes_and_deleted_connectors_show_in_the_next_exports() {
    let receiver = Receiver::start();
    // At debug level, where what every healthy worker has is explained.
    let mut jvm = start_worker_with(
        JvmBuilder::new()
            .args(&format!(
                "otel.exporter.otlp.endpoint={},otel.metric.export.interval=1000",
                receiver.grpc_endpoint()
            ))
            .env("OTEL_CONNECT_LOG_LEVEL", "debug"),
    );
    receiver.wait_for(WAIT, "task metrics", |p| has(p, "kafka.connect.task.health"));
    // The null collection usage of a pool no collector manages: one line for the memory pools, not five.
    let null = "connect_otel.values.skipped{reason=\"null\"}";
    jvm.wait_for_stderr(null, WAIT);
    after_exports(&receiver, 3);
    let stderr = jvm.stderr();
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(null)).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].starts_with("connect-otel: debug: ")
            && lines[0].contains("java.lang:")
            && lines[0].contains("type=MemoryPool")
            && lines[0].contains("attribute CollectionUsage is null"),
        "{}",
        lines[0]
    );

    jvm.cmd("set connector-task-metrics files 1 status failed");
    jvm.cmd("set connector-metrics files - status failed");
    let p = receiver.wait_for(WAIT, "task files/1 health 0", |p| {
        select(p, "kafka.connect.task.health", &[(C, "files"), (T, "1")])
            .iter()
            .any(|x| x.value == 0.0)
    });
    assert_eq!(
        one(
            &p,
            "kafka.connect.connector.task.status",
            &[(C, "files"), (T, "1"), ("kafka.connect.task.state", "failed")]
        )
        .value,
        1.0
    );
    assert_eq!(
        one(
            &p,
            "kafka.connect.connector.task.status",
            &[(C, "files"), (T, "1"), ("kafka.connect.task.state", "running")]
        )
        .value,
        0.0
    );
    assert_eq!(
        one(&p, "kafka.connect.task.health", &[(C, "files"), (T, "0")]).value,
        1.0
    );
    assert_eq!(one(&p, "kafka.connect.connector.health", &[(C, "files")]).value, 0.0);

    // A task's status throws while the task starts (Kafka's StateTracker has no state yet): left out and
    // counted as starting, not as a read error; the status comes back once it reads.
    jvm.cmd("set connector-task-metrics orders:sink 0 status THROW");
    receiver.wait_for(WAIT, "a starting task's status skipped", |p| {
        select(p, "connect_otel.values.skipped", &[("reason", "starting")])
            .iter()
            .any(|x| x.value >= 1.0)
            && select(p, "kafka.connect.task.health", &[(C, "orders:sink")]).is_empty()
    });
    jvm.cmd("set connector-task-metrics orders:sink 0 status running");
    let p = receiver.wait_for(WAIT, "the task's status back", |p| {
        !select(p, "kafka.connect.task.health", &[(C, "orders:sink")]).is_empty()
    });
    let errors = select(&p, "connect_otel.read.errors", &[]);
    assert!(errors.iter().all(|x| x.value == 0.0), "{errors:?}");
    assert!(jvm.stderr().lines().any(|l| l
        .starts_with("connect-otel: debug: connect_otel.values.skipped{reason=\"starting\"}: ")
        && l.contains("attribute status (getAttribute throws ")));

    // An attribute whose getter throws is left out and counted; the MBean's other attributes still arrive.
    jvm.cmd("set sink-task-metrics orders:sink 0 partition-count THROW");
    let p = receiver.wait_for(WAIT, "attribute read errors counted", |p| {
        select(p, "connect_otel.read.errors", &[("error.type", "attribute")])
            .iter()
            .any(|x| x.value >= 1.0)
            && select(p, "kafka.connect.sink.partition_count", &[(C, "orders:sink")]).is_empty()
    });
    assert_eq!(
        one(&p, "kafka.connect.sink.sink_record_read_total", &[(C, "orders:sink")]).value,
        500.0
    );
    // And one warning says which MBean, which attribute and what its getter throws (once: rate-limited).
    let counter = "connect_otel.read.errors{error.type=\"attribute\"}";
    jvm.wait_for_stderr(counter, WAIT);
    after_exports(&receiver, 3);
    let stderr = jvm.stderr();
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(counter)).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    for part in [
        "connect-otel: warning: ",
        "type=sink-task-metrics",
        "attribute partition-count (getAttribute throws ",
        "java.lang.IllegalStateException: fixture: this attribute's getter fails",
    ] {
        assert!(lines[0].contains(part), "{part:?} in {}", lines[0]);
    }

    // A deleted connector's series end: every MBean of it is gone from the worker, and the next export carries
    // one last point without a value for each of its series, then none.
    let live_files = |p: &[Point]| -> Vec<(String, BTreeMap<String, String>)> {
        let mut v: Vec<_> = p
            .iter()
            .filter(|x| !x.ended && x.attributes.get(C).map(String::as_str) == Some("files"))
            .map(|x| (x.name.clone(), x.attributes.clone()))
            .collect();
        v.sort();
        v
    };
    let before_removal = live_files(&receiver.latest_points());
    assert!(before_removal.len() > 10, "{before_removal:?}");
    let requests_before = receiver.metric_requests();
    jvm.cmd("remove files");
    let ends = eventually_ends(&receiver, requests_before, "files");
    assert!(ends.iter().all(|x| x.value.is_nan()));
    let mut ended: Vec<_> = ends.iter().map(|x| (x.name.clone(), x.attributes.clone())).collect();
    ended.sort();
    // Every series the connector had in the export before (a series the removal caught in between ended in
    // that export, which is also one of the requests looked at).
    assert_eq!(
        ended, before_removal,
        "each of the deleted connector's series ends once"
    );
    let p = receiver.wait_for(WAIT, "no series of the deleted connector", |p| {
        !p.iter()
            .any(|x| x.attributes.get(C).map(|c| c == "files").unwrap_or(false))
            && has(p, "kafka.connect.task.health")
    });
    assert_eq!(select(&p, "kafka.connect.task.health", &[(C, "orders:sink")]).len(), 1);

    // Created again under the same name, as a sink: new MBeans (new ObjectName instances) under old names,
    // and the server's listing in a new order. Every value still lands on its own MBean's series.
    jvm.cmd("connector files sink 3");
    jvm.cmd("set sink-task-metrics files 2 partition-count 7");
    let p = receiver.wait_for(WAIT, "the connector created again, as a sink", |p| {
        select(p, "kafka.connect.sink.partition_count", &[(C, "files"), (T, "2")])
            .iter()
            .any(|x| x.value == 7.0)
    });
    for (task, count) in [("0", 3.0), ("1", 3.0), ("2", 7.0)] {
        assert_eq!(
            one(&p, "kafka.connect.sink.partition_count", &[(C, "files"), (T, task)]).value,
            count,
            "task {task}"
        );
    }
    assert!(select(&p, "kafka.connect.source.source_record_poll_total", &[(C, "files")]).is_empty());
    assert_eq!(
        one(&p, "kafka.connect.sink.sink_record_read_total", &[(C, "orders:sink")]).value,
        500.0
    );
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

#[test]
fn a_thousand_tasks_export_every_series_without_overflow() {
    let receiver = Receiver::start();
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.metric.export.interval=2000",
            receiver.grpc_endpoint()
        ))
        .spawn();
    jvm.cmd("worker");
    jvm.cmd("connector big sink 1000");
    // 1,000 tasks × 6 states = 6,000 series in one metric: three times the SDK's default cap. And about
    // 45,000 series in all: more than fits in one 4 MiB message, which the receiver (like a default collector)
    // refuses. So the agent must split exports; the points of one collection arrive in several requests.
    let p = receiver.wait_for_collection(Duration::from_secs(90), "6,000 task status series", |p| {
        select(p, "kafka.connect.connector.task.status", &[(C, "big")]).len() == 6000
    });
    assert_eq!(select(&p, "kafka.connect.task.health", &[(C, "big")]).len(), 1000);
    assert_eq!(
        select(&p, "kafka.connect.sink.sink_record_read_total", &[(C, "big")]).len(),
        1000
    );
    assert!(
        p.iter().all(|x| !x.attributes.contains_key("otel.metric.overflow")),
        "an overflow series was exported"
    );
    let parts = one(&p, "connect_otel.export.parts", &[]).value;
    assert!(parts >= 3.0, "45,000 series need several requests, got {parts}");
    let requests = receiver.store.lock().unwrap().metrics.len();
    assert!(requests >= parts as usize);
    let (status, _, _) = jvm.exit(Duration::from_secs(60));
    assert!(status.success());
}

#[test]
fn switched_off_groups_are_not_exported() {
    let receiver = Receiver::start();
    let jvm = start_worker(&format!(
        "otel.exporter.otlp.endpoint={},otel.metric.export.interval=1000,otel.connect.metrics.jvm.enabled=false,\
         otel.connect.metrics.agent.enabled=false,otel.connect.mbeans.exclude=kafka.connect:type=sink-task-metrics,*",
        receiver.grpc_endpoint()
    ));
    let p = receiver.wait_for(WAIT, "task metrics", |p| has(p, "kafka.connect.task.health"));
    for x in &p {
        assert!(
            !x.name.starts_with("jvm.") && !x.name.starts_with("connect_otel."),
            "switched off: {x:?}"
        );
        assert!(
            !x.name.starts_with("kafka.connect.sink.sink_record"),
            "excluded MBeans: {x:?}"
        );
    }
    assert!(has(&p, "kafka.connect.source.source_record_poll_total"));
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

/// The points ending `connector`'s series in the exports from the `first`-th request on, once an export without
/// any live point of it has arrived.
fn eventually_ends(receiver: &Receiver, first: usize, connector: &str) -> Vec<Point> {
    let start = std::time::Instant::now();
    loop {
        let since = receiver.metric_points_since(first);
        let of = |x: &&Point| x.attributes.get(C).map(String::as_str) == Some(connector);
        let done = since.last().is_some_and(|(_, p)| !p.iter().any(|x| of(&x) && !x.ended));
        if done && since.len() >= 2 {
            return since
                .into_iter()
                .flat_map(|(_, p)| p)
                .filter(|x| of(&x) && x.ended)
                .collect();
        }
        assert!(start.elapsed() < WAIT, "the ends of {connector}'s series");
        std::thread::sleep(Duration::from_millis(200));
    }
}
