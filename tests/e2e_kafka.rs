//! End to end on real Kafka: a KRaft broker and two distributed Connect workers (Apache Kafka from Maven
//! Central) with the release agent jar, traced and FileStream pipelines, a connector made to fail, a worker stopped,
//! a connector deleted and the stopped worker started again, so that tasks move away from a worker that keeps
//! running — checked through what a real OTLP receiver and a real Prometheus get from each worker. One worker starts
//! with `-javaagent`; the other (the one that stays to the end) starts without and gets the agent from `attach`
//! once its REST API is up, so every check covers both ways of starting it.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use support::cluster::{eventually, listening_ports, put_connector, rest, statuses, Cluster, ConnectorStatus};
use support::collector::Collector;
use support::prometheus::{Prometheus, EVALUATION_INTERVAL};
use support::{select, Point, Receiver};

const C: &str = "kafka.connect.connector";
const T: &str = "kafka.connect.task.id";
const WAIT: Duration = Duration::from_secs(120);
/// `otel.metric.export.interval` of the agents below.
const EXPORT_INTERVAL: Duration = Duration::from_secs(2);

fn value_sum(points: &[Point], name: &str, attrs: &[(&str, &str)]) -> f64 {
    select(points, name, attrs).iter().map(|p| p.value).sum()
}

/// The agent's own read errors in one export, as (error.type, count so far); none on a healthy worker.
fn read_errors(points: &[Point]) -> Vec<(String, f64)> {
    assert!(
        points.iter().any(|p| p.name == "connect_otel.mbeans"),
        "an export with the agent's own metrics"
    );
    select(points, "connect_otel.read.errors", &[])
        .iter()
        .map(|p| (p.attributes.get("error.type").cloned().unwrap_or_default(), p.value))
        .filter(|(_, n)| *n != 0.0)
        .collect()
}

/// Every worker's newest export, keyed by worker id; `None` until all `ids` have exported.
fn all_workers(receiver: &Receiver, ids: &[String]) -> Option<BTreeMap<String, Vec<Point>>> {
    let latest = receiver.latest_by_instance();
    ids.iter().all(|id| latest.contains_key(id)).then_some(latest)
}

/// Sum of a metric over the newest export of each worker.
fn cluster_sum(receiver: &Receiver, ids: &[String], name: &str, attrs: &[(&str, &str)]) -> f64 {
    all_workers(receiver, ids)
        .map(|w| ids.iter().map(|id| value_sum(&w[id], name, attrs)).sum())
        .unwrap_or(0.0)
}

fn task_state(receiver: &Receiver, ids: &[String], connector: &str, state: &str) -> f64 {
    cluster_sum(
        receiver,
        ids,
        "kafka.connect.connector.task.status",
        &[(C, connector), ("kafka.connect.task.state", state)],
    )
}

/// Every expression of the Grafana dashboard, with its template variables set to match everything.
fn dashboard_queries() -> Vec<(String, String)> {
    let path = support::root().join("deploy/grafana/connect-otel-dashboard.json");
    let dashboard: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = Vec::new();
    let mut panels: Vec<serde_json::Value> = dashboard["panels"].as_array().cloned().unwrap_or_default();
    while let Some(panel) = panels.pop() {
        panels.extend(panel["panels"].as_array().cloned().unwrap_or_default());
        for target in panel["targets"].as_array().into_iter().flatten() {
            if let Some(expr) = target["expr"].as_str() {
                let expr = expr
                    .replace("$__rate_interval", "1m")
                    .replace("$job", ".+")
                    .replace("$instance", ".+")
                    .replace("$connector", ".+");
                out.push((panel["title"].as_str().unwrap_or("").to_string(), expr));
            }
        }
    }
    assert!(out.len() >= 10, "the dashboard has its panels: {out:?}");
    out
}

#[test]
fn two_workers_on_real_kafka_export_what_connect_does() {
    // Agents → the reference OpenTelemetry Collector (OTLP gRPC) → this test's receiver (OTLP/HTTP): every
    // check below also proves that the collector accepts what the agent sends.
    // The collector also feeds a real Prometheus (OTLP receiver on, the project's alert rules loaded).
    let receiver = Receiver::start();
    let prometheus_dir = support::temp_dir("prometheus");
    let prometheus = Prometheus::start(&prometheus_dir);
    let collector_dir = support::temp_dir("otelcol");
    let collector = Collector::start_with(
        &receiver.http_endpoint(),
        Some(&prometheus.otlp_endpoint()),
        &collector_dir,
    );
    let mut cluster = Cluster::start_attaching(
        2,
        &format!(
            "otel.exporter.otlp.endpoint={},otel.metric.export.interval=2000,otel.bsp.schedule.delay=500,\
             otel.connect.stall.intervals=4",
            collector.grpc
        ),
        Some(0),
    );
    let ids: Vec<String> = (0..2).map(|i| cluster.worker_id(i)).collect();
    let w0 = cluster.workers[0].clone();

    // The agent opened no socket: each worker listens on its REST port only.
    for (i, pid) in cluster.pids.iter().enumerate() {
        let port: u16 = ids[i].rsplit(':').next().unwrap().parse().unwrap();
        assert_eq!(
            listening_ports(*pid).into_iter().collect::<Vec<_>>(),
            vec![port],
            "worker {i} listens on more than REST"
        );
    }

    // The pipelines: the traced example connectors (the agent jar carries the API; the examples jar is on the
    // classpath) and, where this Kafka release has connect-file, Kafka's FileStream connectors; 20 records
    // each. Data flows only once the cluster has assigned every pipeline task and stopped rebalancing: a task
    // moved to the other worker mid-stream starts its counters afresh there, and the sums over both workers
    // checked below would fall short. So the traced source comes last, into a balanced cluster (one more
    // connector and task cannot make Connect's cooperative assignor revoke anything), and the FileStream input
    // file is written after that.
    let dir = cluster.dir.join("files");
    std::fs::create_dir_all(&dir).unwrap();
    let traced_out = dir.join("traced-out.txt");
    let lines_in = dir.join("in.txt");
    let lines_out = dir.join("out.txt");
    put_connector(
        &w0,
        "traced-sink",
        &[
            ("connector.class", "io.connectotel.examples.TracedSinkConnector"),
            ("topics", "e2e-traced"),
            ("file", traced_out.to_str().unwrap()),
            ("tasks.max", "1"),
        ],
    );
    let mut pipelines = vec![("traced-source", "traced-sink", traced_out.clone())];
    if cluster.file_connectors {
        // The source waits for its file to appear.
        put_connector(
            &w0,
            "lines-source",
            &[
                (
                    "connector.class",
                    "org.apache.kafka.connect.file.FileStreamSourceConnector",
                ),
                ("file", lines_in.to_str().unwrap()),
                ("topic", "e2e-lines"),
                ("tasks.max", "1"),
            ],
        );
        put_connector(
            &w0,
            "lines-sink",
            &[
                (
                    "connector.class",
                    "org.apache.kafka.connect.file.FileStreamSinkConnector",
                ),
                ("file", lines_out.to_str().unwrap()),
                ("topics", "e2e-lines"),
                ("tasks.max", "1"),
            ],
        );
        pipelines.push(("lines-source", "lines-sink", lines_out));
    } else {
        eprintln!(
            "Kafka {}: no connect-file here; the FileStream pipeline is left out",
            cluster.version
        );
    }
    let settled = |tasks: usize| {
        let w0 = w0.clone();
        let mut since: Option<(BTreeMap<String, ConnectorStatus>, std::time::Instant)> = None;
        eventually(
            &cluster,
            WAIT,
            &format!("{tasks} tasks RUNNING and the assignment unchanged for 6 s"),
            move || {
                // Each connector and each task says RUNNING once assigned and started.
                let Some(now) = statuses(&w0) else {
                    since = None;
                    return None;
                };
                let running = now
                    .values()
                    .flat_map(|c| std::iter::once(&c.connector).chain(c.tasks.iter().map(|t| &t.state)))
                    .filter(|s| s.state == "RUNNING")
                    .count();
                if running != 2 * tasks {
                    since = None;
                    return None;
                }
                match &since {
                    Some((seen, t)) if *seen == now => (t.elapsed() >= Duration::from_secs(6)).then_some(()),
                    _ => {
                        since = Some((now, std::time::Instant::now()));
                        None
                    }
                }
            },
        )
    };
    settled(2 * pipelines.len() - 1);
    put_connector(
        &w0,
        "traced-source",
        &[
            ("connector.class", "io.connectotel.examples.TracedSourceConnector"),
            ("topic", "e2e-traced"),
            ("records.per.poll", "5"),
            ("poll.interval.ms", "500"),
            ("max.records", "20"),
            ("tasks.max", "1"),
        ],
    );
    settled(2 * pipelines.len());
    if cluster.file_connectors {
        let lines: Vec<String> = (1..=20).map(|i| format!("line {i}")).collect();
        let partial = dir.join("in.txt.partial");
        std::fs::write(&partial, lines.join("\n") + "\n").unwrap();
        std::fs::rename(&partial, &lines_in).unwrap();
    }
    for (source, sink, out) in &pipelines {
        eventually(
            &cluster,
            WAIT,
            &format!("20 records through {source} → {sink}"),
            || {
                let n = std::fs::read_to_string(out).map(|s| s.lines().count()).unwrap_or(0);
                (n == 20).then_some(())
            },
        );
        // Counters move and match what went through.
        eventually(
            &cluster,
            WAIT,
            &format!("{source} writes 20 and {sink} reads 20, summed over both workers"),
            || {
                let written = cluster_sum(
                    &receiver,
                    &ids,
                    "kafka.connect.source.source_record_write_total",
                    &[(C, source)],
                );
                let read = cluster_sum(
                    &receiver,
                    &ids,
                    "kafka.connect.sink.sink_record_read_total",
                    &[(C, sink)],
                );
                (written == 20.0 && read == 20.0).then_some(())
            },
        );
    }

    // Spans from the traced connectors: the sink continues the traces the source injected into the records.
    let spans = eventually(
        &cluster,
        WAIT,
        "source and sink spans for all 20 traced records",
        || {
            let s = receiver.spans();
            let records = s.iter().filter(|x| x.name == "source.record").count();
            let batches: f64 = s
                .iter()
                .filter(|x| x.name == "sink.put_batch")
                .filter_map(|x| x.attributes.get("kafka.connect.batch.size")?.parse::<f64>().ok())
                .sum();
            (records == 20 && batches == 20.0).then_some(s)
        },
    );
    for batch in spans.iter().filter(|x| x.name == "sink.put_batch") {
        let upstream: Vec<&support::SpanView> = spans
            .iter()
            .filter(|r| r.name == "source.record")
            .filter(|r| r.span_id == batch.parent_span_id || batch.links.iter().any(|(_, l)| l == &r.span_id))
            .collect();
        let size: usize = batch.attributes["kafka.connect.batch.size"].parse().unwrap();
        assert_eq!(
            upstream.len(),
            size,
            "every record of the batch is its parent or a link: {batch:?}"
        );
        if !batch.parent_span_id.is_empty() {
            assert!(
                upstream.iter().any(|r| r.trace_id == batch.trace_id),
                "the batch continues its records' trace"
            );
        }
        let partition = spans
            .iter()
            .find(|p| p.name == "sink.write_partition" && p.parent_span_id == batch.span_id);
        assert!(
            partition.is_some_and(|p| p.trace_id == batch.trace_id),
            "partition span under {batch:?}"
        );
    }
    for poll in spans.iter().filter(|x| x.name == "source.poll") {
        assert!(
            ids.contains(&poll.resource["service.instance.id"]),
            "spans carry the worker's identity"
        );
    }

    // Every group arrives from each worker, with that worker's identity on the resource.
    let latest = eventually(&cluster, WAIT, "both workers export every worker-level group", || {
        let w = all_workers(&receiver, &ids)?;
        let complete = ids.iter().all(|id| {
            let p = &w[id];
            [
                "kafka.connect.worker.connector_count",
                "kafka.connect.worker.rebalance_completed_total",
                "kafka.connect.coordinator.assigned_tasks",
                "kafka.connect.app.info",
                "jvm.memory.used",
                "connect_otel.mbeans",
            ]
            .iter()
            .all(|n| p.iter().any(|x| &x.name == n))
        });
        complete.then_some(w)
    });
    // A healthy worker gives the agent no read error of any kind (each is a fault, docs/metrics.md): counted
    // from the agent's start, through every connector's start and the rebalances so far.
    for id in &ids {
        let errors = read_errors(&latest[id]);
        eprintln!("{id}: connect_otel.read.errors after the pipelines ran: {errors:?}");
        assert!(
            errors.is_empty(),
            "{id}: read errors on a healthy worker: {errors:?}\n{}",
            cluster.logs_tail()
        );
    }
    for id in &ids {
        let r = &latest[id][0].resource;
        assert_eq!(r.get("service.instance.id"), Some(id));
        assert_eq!(
            r.get("kafka.connect.cluster").map(String::as_str),
            Some("connect-otel-e2e")
        );
        assert_eq!(r.get("kafka.version"), Some(&cluster.version));
        assert_eq!(r.get("service.name").map(String::as_str), Some("kafka-connect"));
    }

    // Nothing missed at start-up: the worker with the agent from its start (index 1) registers its worker
    // metrics while the agent already collects, one attribute at a time (JmxReporter registers the MBean anew
    // for each); each is exported from the next collection on, on both workers.
    let startup = [
        "kafka.connect.worker.connector_startup_attempts_total",
        "kafka.connect.worker.connector_startup_success_total",
        "kafka.connect.worker.connector_startup_failure_total",
        "kafka.connect.worker.task_startup_attempts_total",
        "kafka.connect.worker.task_startup_success_total",
        "kafka.connect.worker.task_startup_failure_total",
    ];
    let missing = |w: &BTreeMap<String, Vec<Point>>| -> Vec<String> {
        ids.iter()
            .flat_map(|id| {
                startup
                    .iter()
                    .filter(|n| !w[id].iter().any(|x| &x.name == *n))
                    .map(move |n| format!("{id}: {n}"))
            })
            .collect()
    };
    let settled_at = Instant::now();
    while !missing(&all_workers(&receiver, &ids).unwrap()).is_empty() && settled_at.elapsed() < 2 * EXPORT_INTERVAL {
        std::thread::sleep(EXPORT_INTERVAL / 4);
    }
    let left = missing(&all_workers(&receiver, &ids).unwrap());
    assert!(
        left.is_empty(),
        "worker metrics missing from the newest exports: {left:?}"
    );

    // The attached worker (index 0, worker-1.log) passed the same identity checks; its agent started once, and
    // with the options docs/attach.md gives (the script adds them) its JVM printed no JDK 21+/24+ warning.
    let attached_log = cluster.log("worker-1");
    assert_eq!(
        attached_log.matches("connect-otel: info: started").count(),
        1,
        "{attached_log}"
    );
    for warning in ["loaded dynamically", "A restricted method"] {
        assert!(!attached_log.contains(warning), "{warning}: {attached_log}");
    }
    // Per-connector and per-task groups, on whichever worker runs them.
    for name in [
        "kafka.connect.connector.status",
        "kafka.connect.connector.health",
        "kafka.connect.connector.task.status",
        "kafka.connect.task.health",
        "kafka.connect.worker.connector_running_task_count",
        "kafka.connect.source.poll_batch_avg_time_ms",
        "kafka.connect.sink.partition_count",
        "kafka.connect.sink.offset_commit_success_percentage",
        "kafka.connect.task_error.total_record_errors",
        "kafka.connect.consumer.records_lag_max",
        "kafka.connect.producer.record_send_total",
    ] {
        assert!(
            ids.iter().any(|id| latest[id].iter().any(|p| p.name == name)),
            "{name} arrived from no worker\n{}",
            cluster.logs_tail()
        );
    }
    // The agent asks each MBean only for attributes it declares: Kafka's JmxReporter logs a WARN with a stack
    // trace for every other one, on every cycle. (A declared getter that throws is logged too: Connect's
    // `connect-protocol` does while the herder is constructed, a task's `status` until the task has started.
    // Those are Connect's own; the agent counts them as values.skipped{reason="starting"}, not as errors.)
    for i in 1..=cluster.workers.len() {
        let log = cluster.log(&format!("worker-{i}"));
        let noise = log
            .lines()
            .filter(|l| l.starts_with("javax.management.AttributeNotFoundException"))
            .count();
        assert_eq!(
            noise, 0,
            "worker-{i} logged {noise} JmxReporter warnings caused by our reads"
        );
    }
    assert_eq!(
        cluster_sum(&receiver, &ids, "kafka.connect.task.health", &[(C, "traced-sink")]),
        1.0
    );
    assert_eq!(task_state(&receiver, &ids, "traced-source", "running"), 1.0);

    // A connector made to fail: its sink file is in a directory that does not exist.
    let missing = dir.join("missing");
    put_connector(
        &w0,
        "broken-sink",
        &[
            ("connector.class", "io.connectotel.examples.TracedSinkConnector"),
            ("file", missing.join("out.txt").to_str().unwrap()),
            ("topics", "e2e-traced"),
            ("tasks.max", "1"),
        ],
    );
    eventually(&cluster, WAIT, "broken-sink task FAILED with health 0", || {
        let failed = task_state(&receiver, &ids, "broken-sink", "failed") == 1.0;
        let health = all_workers(&receiver, &ids)
            .map(|w| {
                ids.iter()
                    .flat_map(|id| {
                        select(&w[id], "kafka.connect.task.health", &[(C, "broken-sink")])
                            .into_iter()
                            .map(|p| p.value)
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        (failed && health == vec![0.0]).then_some(())
    });
    let failure_seen = Instant::now();
    // One ERROR log record, with the trace from the worker's REST API.
    let failed_records = |event: &str| {
        receiver
            .logs()
            .into_iter()
            .filter(|l| l.event_name == event && l.attributes.get(C).map(String::as_str) == Some("broken-sink"))
            .collect::<Vec<_>>()
    };
    let record = eventually(&cluster, WAIT, "an ERROR log record with broken-sink's trace", || {
        failed_records("kafka.connect.task.failed").into_iter().next()
    });
    assert_eq!((record.severity_number, record.severity_text.as_str()), (17, "ERROR"));
    let attr = |k: &str| record.attributes.get(k).map(String::as_str).unwrap_or("");
    assert_eq!(attr(T), "0");
    assert_eq!(attr("kafka.connect.task.state"), "failed");
    assert_eq!(
        attr("kafka.connect.connector.class"),
        "io.connectotel.examples.TracedSinkConnector"
    );
    assert!(ids.iter().any(|id| id == attr("kafka.connect.worker.id")), "{record:?}");
    assert_eq!(
        record.resource.get("service.instance.id").map(String::as_str),
        Some(attr("kafka.connect.worker.id"))
    );
    assert!(
        record.body.contains("NoSuchFileException") && record.body.contains("\tat "),
        "the body is the task's stack trace: {}",
        record.body
    );
    assert_eq!(attr("exception.stacktrace"), record.body);
    // The failed-task alert fires in Prometheus, on the metrics that arrived there.
    let alert = eventually(&cluster, WAIT, "KafkaConnectTaskFailed firing for broken-sink", || {
        prometheus.alerts().into_iter().find(|a| {
            let label = |k: &str| a.labels.get(k).map(String::as_str);
            label("alertname") == Some("KafkaConnectTaskFailed")
                && label("kafka_connect_connector") == Some("broken-sink")
                && a.state == "firing"
        })
    });
    let alert_after = failure_seen.elapsed();
    eprintln!("failed-task alert firing {alert_after:?} after the receiver saw health 0: {alert:?}");
    // Two evaluation intervals, plus one export interval for the collector's second path to Prometheus.
    assert!(
        alert_after <= 2 * EVALUATION_INTERVAL + Duration::from_secs(3),
        "the alert took {alert_after:?}"
    );
    assert!(
        alert
            .annotations
            .get("description")
            .is_some_and(|d| d.contains("broken-sink")),
        "{alert:?}"
    );
    // Once per transition: no second record while it stays FAILED.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(failed_records("kafka.connect.task.failed").len(), 1);
    // Fixed and restarted through the REST API: RUNNING again.
    std::fs::create_dir_all(&missing).unwrap();
    let (status, body) = rest(
        "POST",
        &format!("{w0}/connectors/broken-sink/restart?includeTasks=true&onlyFailed=true"),
        None,
    );
    assert!(
        status == 202 || status == 200 || status == 204,
        "restart: {status} {body}"
    );
    eventually(&cluster, WAIT, "broken-sink task back to RUNNING", || {
        (task_state(&receiver, &ids, "broken-sink", "running") == 1.0
            && cluster_sum(&receiver, &ids, "kafka.connect.task.health", &[(C, "broken-sink")]) == 1.0)
            .then_some(())
    });
    let recovered = eventually(&cluster, WAIT, "an INFO record: broken-sink recovered", || {
        failed_records("kafka.connect.task.recovered").into_iter().next()
    });
    assert_eq!(recovered.severity_number, 9);

    // Restarts, counted from the MBeans' registrations, against Connect's own account: on each worker, the
    // count of every task it runs is the worker log's "Creating task" lines for that task, less one. So
    // broken-sink's task counts its REST restart above, a task a rebalance moved back here counts that, and
    // Connect's re-registration of a live task's MBeans for each metric it adds counts nothing. Then a task
    // restarted three times in a row through the REST API, faster than the collections see any state change:
    // 3 more.
    let restarts = |connector: &str| cluster_sum(&receiver, &ids, "kafka.connect.task.restarts", &[(C, connector)]);
    let against_logs = || -> Vec<String> {
        let Some(latest) = all_workers(&receiver, &ids) else {
            return vec!["not every worker has exported".into()];
        };
        let mut wrong = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let log = std::fs::read_to_string(cluster.dir.join(format!("worker-{}.log", i + 1))).unwrap_or_default();
            let tasks = select(&latest[id], "kafka.connect.task.restarts", &[])
                .into_iter()
                .map(|p| {
                    let (c, t) = (&p.attributes[C], &p.attributes[T]);
                    (p, format!("{c}/{t}"), format!("Creating task {c}-{t} ("))
                });
            let connectors = select(&latest[id], "kafka.connect.connector.restarts", &[])
                .into_iter()
                .map(|p| {
                    let c = &p.attributes[C];
                    (p, c.clone(), format!("Creating connector {c} of type"))
                });
            for (p, subject, needle) in tasks.chain(connectors) {
                let created = log.lines().filter(|l| l.contains(&needle)).count();
                if p.value != created.saturating_sub(1) as f64 {
                    wrong.push(format!(
                        "{id} {subject}: {} restarts, {created} creations logged",
                        p.value
                    ));
                }
            }
        }
        wrong
    };
    let agree = |what: &str| {
        let deadline = Instant::now() + WAIT;
        let mut wrong = against_logs();
        while !wrong.is_empty() && Instant::now() < deadline {
            std::thread::sleep(EXPORT_INTERVAL / 2);
            wrong = against_logs();
        }
        assert!(
            wrong.is_empty(),
            "{what}: restart counts against the workers' logs: {wrong:?}"
        );
    };
    agree("before the REST restarts");
    assert!(restarts("broken-sink") >= 1.0, "broken-sink's REST restart");
    let before = restarts("traced-sink");
    let restarted_at = Instant::now();
    for _ in 0..3 {
        let (status, body) = rest("POST", &format!("{w0}/connectors/traced-sink/tasks/0/restart"), None);
        assert!((200..300).contains(&status), "task restart: {status} {body}");
    }
    eprintln!("three task restarts took {:?}", restarted_at.elapsed());
    eventually(&cluster, WAIT, "traced-sink's three restarts counted", || {
        (restarts("traced-sink") == before + 3.0).then_some(())
    });
    agree("after the REST restarts");
    // And no more: two exports later it is still 3 more (a task restart does not restart its connector: the
    // check against the logs covers connectors too).
    std::thread::sleep(2 * EXPORT_INTERVAL);
    assert_eq!(restarts("traced-sink"), before + 3.0);
    agree("two exports after the REST restarts");
    // Prometheus has them too: the restart alert fires for that task, and for no other.
    eventually(
        &cluster,
        WAIT,
        "KafkaConnectTaskRestartingRepeatedly firing for traced-sink",
        || {
            let firing: Vec<_> = prometheus
                .alerts()
                .into_iter()
                .filter(|a| {
                    a.labels.get("alertname").map(String::as_str) == Some("KafkaConnectTaskRestartingRepeatedly")
                })
                .filter(|a| a.state == "firing")
                .collect();
            let on = |a: &support::prometheus::Alert, k: &str| a.labels.get(k).cloned().unwrap_or_default();
            (!firing.is_empty()).then(|| {
                for a in &firing {
                    assert_eq!(
                        (on(a, "kafka_connect_connector"), on(a, "kafka_connect_task_id")),
                        ("traced-sink".to_string(), "0".to_string()),
                        "{a:?}"
                    );
                }
            })
        },
    );

    // A sink whose destination blocks (a FIFO nobody reads: the task's write never returns) is stalled; the
    // traced source, idle since its 20 records, is not.
    let fifo = dir.join("blocked-destination");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    put_connector(
        &w0,
        "stuck-sink",
        &[
            ("connector.class", "io.connectotel.examples.TracedSinkConnector"),
            ("file", fifo.to_str().unwrap()),
            ("topics", "e2e-traced"),
            ("tasks.max", "1"),
        ],
    );
    let stalled = |connector: &str| cluster_sum(&receiver, &ids, "kafka.connect.task.stalled", &[(C, connector)]);
    eventually(&cluster, WAIT, "stuck-sink stalled, traced-source not", || {
        let seen = all_workers(&receiver, &ids)?;
        let idle_source = ids
            .iter()
            .any(|id| !select(&seen[id], "kafka.connect.task.stalled", &[(C, "traced-source")]).is_empty());
        (stalled("stuck-sink") == 1.0 && idle_source && stalled("traced-source") == 0.0).then_some(())
    });
    let since = cluster_sum(
        &receiver,
        &ids,
        "kafka.connect.task.time_since_progress",
        &[(C, "stuck-sink")],
    );
    assert!(since >= 8.0, "4 intervals of 2 s without progress, got {since} s");
    eventually(&cluster, WAIT, "Prometheus stores the stalled flag", || {
        (!prometheus
            .query("kafka_connect_task_stalled{kafka_connect_connector=\"stuck-sink\"} == 1")
            .is_empty())
        .then_some(())
    });

    // Every query of the Grafana dashboard returns data from this Prometheus.
    for (title, expr) in dashboard_queries() {
        eventually(&cluster, WAIT, &format!("dashboard panel {title:?}: {expr}"), || {
            (!prometheus.query(&expr).is_empty()).then_some(())
        });
    }

    // The destination answers again (a reader holds the FIFO open): the sink moves, no longer stalled.
    let reader_fifo = fifo.clone();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(reader_fifo)
            .unwrap();
        let mut buf = [0u8; 4096];
        while f.read(&mut buf).is_ok() {}
    });
    eventually(
        &cluster,
        WAIT,
        "stuck-sink moves again and is no longer stalled",
        || {
            let seen = all_workers(&receiver, &ids)?;
            let reported = ids
                .iter()
                .any(|id| !select(&seen[id], "kafka.connect.task.stalled", &[(C, "stuck-sink")]).is_empty());
            (reported && stalled("stuck-sink") == 0.0).then_some(())
        },
    );
    let (status, body) = rest("DELETE", &format!("{w0}/connectors/stuck-sink"), None);
    assert!((200..300).contains(&status), "delete stuck-sink: {status} {body}");

    // One worker stopped: the survivor rebalances and takes over every task, including the ones that ran on
    // the stopped worker.
    let survivor = ids[0].clone();
    let mut connectors = vec!["traced-source", "traced-sink", "broken-sink"];
    if cluster.file_connectors {
        connectors.extend(["lines-source", "lines-sink"]);
    }
    let before = receiver.latest_by_instance();
    let rebalances_before = value_sum(
        &before[&survivor],
        "kafka.connect.worker.rebalance_completed_total",
        &[],
    );
    let moved: Vec<&str> = connectors
        .iter()
        .copied()
        .filter(|c| !select(&before[&ids[1]], "kafka.connect.task.health", &[(C, c)]).is_empty())
        .collect();
    assert!(
        !moved.is_empty(),
        "the second worker ran no task before it was stopped\n{}",
        cluster.logs_tail()
    );
    let stopped = ids[1].clone();
    let on_stopped = |metric: &str| format!("{metric}{{instance=\"{stopped}\"}}");
    for metric in ["kafka_connect_task_health", "connect_otel_series"] {
        assert!(
            !prometheus.query(&on_stopped(metric)).is_empty(),
            "Prometheus has {metric} of {stopped} before it stops"
        );
    }
    let requests_before_stop = receiver.metric_requests();
    cluster.stop_worker(1);
    let stopped_at = Instant::now();
    // Its final export ends every series it still had, each with one point without a value and the same start
    // (a counter's end is not a reset). A task Connect stopped before the agent did ended one export earlier:
    // either way, each series ends once.
    let since_stop = eventually(&cluster, WAIT, "the stopped worker's final export", || {
        let from_stopped: Vec<Vec<Point>> = receiver
            .metric_points_since(requests_before_stop)
            .into_iter()
            .map(|(_, points)| points)
            .filter(|points| points.first().and_then(|p| p.resource.get("service.instance.id")) == Some(&stopped))
            .collect();
        from_stopped
            .last()
            .is_some_and(|last| last.iter().all(|p| p.ended))
            .then_some(from_stopped)
    });
    let ends_of = |name: &str, connector: Option<&str>| -> Vec<&Point> {
        since_stop
            .iter()
            .flatten()
            .filter(|p| p.ended && p.name == name && p.attributes.get(C).map(String::as_str) == connector)
            .collect()
    };
    for c in &moved {
        let ended = ends_of("kafka.connect.task.health", Some(c));
        assert_eq!(ended.len(), 1, "{c}'s health ends once on {stopped}: {ended:?}");
        assert!(ended[0].value.is_nan(), "no value: {:?}", ended[0]);
    }
    let rebalances = ends_of("kafka.connect.worker.rebalance_completed_total", None);
    let started = select(&before[&stopped], "kafka.connect.worker.rebalance_completed_total", &[]);
    assert_eq!(rebalances.len(), 1, "{rebalances:?}");
    assert_eq!(
        rebalances[0].start, started[0].start,
        "the counter ends with its own start"
    );
    // Prometheus stores those ends as staleness markers: none of the stopped worker's series is returned any
    // more (it used to be for the 5-minute lookback), so no moved task shows on two workers.
    for metric in ["kafka_connect_task_health", "connect_otel_series"] {
        eventually(
            &cluster,
            WAIT,
            &format!("Prometheus has no {metric} of {stopped}"),
            || prometheus.query(&on_stopped(metric)).is_empty().then_some(()),
        );
    }
    let gone_after = stopped_at.elapsed();
    eprintln!("the stopped worker's series were gone from Prometheus {gone_after:?} after it exited");
    assert!(
        gone_after <= EXPORT_INTERVAL + Duration::from_secs(3),
        "{gone_after:?} after the worker exited"
    );
    eventually(
        &cluster,
        WAIT,
        "a rebalance on the survivor and every task there",
        || {
            let latest = receiver.latest_by_instance();
            let p = latest.get(&survivor)?;
            let rebalanced = value_sum(p, "kafka.connect.worker.rebalance_completed_total", &[]) > rebalances_before;
            let all_here = connectors.iter().all(|c| {
                select(p, "kafka.connect.task.health", &[(C, c), (T, "0")])
                    .iter()
                    .any(|x| x.value == 1.0)
            });
            (rebalanced && all_here).then_some(())
        },
    );
    eprintln!("tasks of {moved:?} moved to the survivor");

    // A deleted connector's series end: the survivor's next export carries one last point for each, and
    // Prometheus stops returning them within one export interval.
    let broken = "kafka_connect_task_health{kafka_connect_connector=\"broken-sink\"}";
    eventually(
        &cluster,
        WAIT,
        "Prometheus has broken-sink's health on the survivor",
        || {
            let found = prometheus.query(broken);
            (found.len() == 1 && found[0].metric.get("instance") == Some(&survivor)).then_some(())
        },
    );
    let requests_before = receiver.metric_requests();
    let (status, body) = rest("DELETE", &format!("{w0}/connectors/broken-sink"), None);
    assert!(status == 204 || status == 200, "delete: {status} {body}");
    let (ended_at, ended) = eventually(
        &cluster,
        WAIT,
        "the survivor's export that ends broken-sink's series",
        || {
            receiver
                .metric_points_since(requests_before)
                .into_iter()
                .find_map(|(at, points)| {
                    let ended: Vec<Point> = points
                        .into_iter()
                        .filter(|p| p.ended && p.attributes.get(C).map(String::as_str) == Some("broken-sink"))
                        .collect();
                    (!ended.is_empty()).then_some((at, ended))
                })
        },
    );
    for name in [
        "kafka.connect.task.health",
        "kafka.connect.connector.task.status",
        "kafka.connect.connector.health",
    ] {
        assert!(
            ended.iter().any(|p| p.name == name),
            "{name} of broken-sink ends: {ended:?}"
        );
    }
    eventually(&cluster, WAIT, "Prometheus has no broken-sink series", || {
        prometheus
            .query("{kafka_connect_connector=\"broken-sink\"}")
            .is_empty()
            .then_some(())
    });
    let gone_after = ended_at.elapsed();
    eprintln!("broken-sink's series were gone from Prometheus {gone_after:?} after the export that ended them");
    assert!(
        gone_after <= EXPORT_INTERVAL + Duration::from_secs(3),
        "{gone_after:?} after the export that ended them"
    );
    // Still none on the survivor, over the whole run: a connector failing, restarting and being deleted, a
    // worker leaving and its tasks moving here are no read errors either.
    let errors = read_errors(&receiver.latest_by_instance()[&survivor]);
    eprintln!("{survivor}: connect_otel.read.errors at the end: {errors:?}");
    assert!(
        errors.is_empty(),
        "{survivor}: read errors: {errors:?}\n{}",
        cluster.logs_tail()
    );
    eventually(&cluster, WAIT, "no broken-sink series on the survivor", || {
        let latest = receiver.latest_by_instance();
        let p = latest.get(&survivor)?;
        let gone = !p
            .iter()
            .any(|x| x.attributes.get(C).map(|c| c == "broken-sink").unwrap_or(false));
        (gone
            && p.iter()
                .any(|x| x.attributes.get(C).map(|c| c == "traced-sink").unwrap_or(false)))
        .then_some(())
    });

    // On the survivor alone: connectors traced with the OpenTelemetry API only, with the API in the plugin
    // and on the class path (the API jars were on both workers' class path all along). Two more connectors
    // earlier could make Connect's assignor move other tasks between the workers, which the checks above count.
    opentelemetry_api_connectors(&cluster, &receiver, &ids, &dir);
    // Last: worker 1 again, and tasks move to it from the running survivor.
    a_task_moves_between_running_workers(&mut cluster, &receiver, &prometheus, &ids);
}

/// A task, by connector name and task id.
type TaskId = (String, String);

/// Where Connect says each task runs: its state and worker id, from `worker`'s REST API.
fn task_placement(worker: &str) -> Option<BTreeMap<TaskId, (String, String)>> {
    Some(
        statuses(worker)?
            .into_values()
            .flat_map(|c| {
                c.tasks
                    .into_iter()
                    .map(move |t| ((c.name.clone(), t.id.to_string()), (t.state.state, t.state.worker_id)))
            })
            .collect(),
    )
}

/// A series: metric name and attributes.
type SeriesKey = (String, BTreeMap<String, String>);

fn key(p: &Point) -> SeriesKey {
    (p.name.clone(), p.attributes.clone())
}

fn of_task(p: &Point, (connector, task): &TaskId) -> bool {
    p.attributes.get(C) == Some(connector) && p.attributes.get(T) == Some(task)
}

/// A task moves between two running workers. Worker 1, stopped earlier, starts again, and Connect's cooperative
/// assignor revokes some of the survivor's tasks to balance the two. The survivor keeps running, so nothing
/// but its agent's own comparison of one collection with the last ends the moved tasks' series there: its next
/// export carries one end point for each, and Prometheus stops returning them on the survivor (within one
/// export interval of Connect reporting the task gone from there) while the new worker's are there.
fn a_task_moves_between_running_workers(
    cluster: &mut Cluster,
    receiver: &Receiver,
    prometheus: &Prometheus,
    ids: &[String],
) {
    let step = Instant::now();
    let (old, new) = (&ids[0], &ids[1]);
    let w0 = cluster.workers[0].clone();
    let labels = |worker: &str, (connector, task): &TaskId| {
        format!("kafka_connect_connector=\"{connector}\",kafka_connect_task_id=\"{task}\",instance=\"{worker}\"")
    };
    // The agent's series of the task; not Prometheus's own ALERTS series for it, which follow the rule
    // evaluations (a restart alert for a task that left resolves at the next one).
    let on = |worker: &str, task: &TaskId| format!("{{__name__!~\"ALERTS.*\",{}}}", labels(worker, task));
    let tasks: Vec<TaskId> = eventually(cluster, WAIT, "every task RUNNING on the survivor", || {
        let placed = task_placement(&w0)?;
        placed
            .values()
            .all(|(state, worker)| state == "RUNNING" && worker == old)
            .then(|| placed.into_keys().collect())
    });
    for task in &tasks {
        eventually(cluster, WAIT, &format!("Prometheus has {task:?} on {old}"), || {
            (!prometheus.query(&on(old, task)).is_empty()).then_some(())
        });
    }
    // The survivor's newest export before the restart: the one just before `requests_before`, or the first one
    // from there on (then it is looked at twice, which changes nothing below).
    let requests_before = receiver.metric_requests();
    let before = receiver
        .latest_by_instance()
        .remove(old)
        .expect("the survivor exported");

    cluster.start_worker_again(1);
    let restarted_log = cluster.log("worker-2");
    assert_eq!(
        restarted_log.matches("connect-otel: info: started").count(),
        2,
        "the agent started in the new JVM too: {restarted_log}"
    );
    // When each task was first seen anywhere but RUNNING on the survivor (Connect writes a task's new status
    // once it has stopped it), and when Prometheus first returned none of its series there; until some run
    // on the new worker and are gone from the survivor in Prometheus.
    let mut left: BTreeMap<TaskId, Instant> = BTreeMap::new();
    let mut gone: BTreeMap<TaskId, Instant> = BTreeMap::new();
    let moved: Vec<TaskId> = eventually(
        cluster,
        WAIT,
        &format!("a task moved to {new}, and Prometheus has no series of it on {old}"),
        || {
            let placed = task_placement(&w0)?;
            for (task, (state, worker)) in &placed {
                if state != "RUNNING" || worker != old {
                    left.entry(task.clone()).or_insert_with(Instant::now);
                }
            }
            for task in left.keys() {
                if !gone.contains_key(task) && prometheus.query(&on(old, task)).is_empty() {
                    gone.insert(task.clone(), Instant::now());
                }
            }
            let moved: Vec<TaskId> = placed
                .into_iter()
                .filter(|(_, (state, worker))| state == "RUNNING" && worker == new)
                .map(|(task, _)| task)
                .collect();
            (!moved.is_empty() && moved.iter().all(|task| gone.contains_key(task))).then_some(moved)
        },
    );
    eprintln!("{moved:?} moved from {old} to {new}");
    // The new worker's series for them are there, and the survivor's do not come back.
    for task @ (connector, id) in &moved {
        let health = format!("kafka_connect_task_health{{{}}}", labels(new, task));
        eventually(cluster, WAIT, &format!("Prometheus has {health} == 1"), || {
            let found = prometheus.query(&health);
            (found.len() == 1 && found[0].value.1 == "1").then_some(())
        });
        eventually(cluster, WAIT, &format!("{new} exports {task:?} RUNNING"), || {
            let latest = receiver.latest_by_instance();
            let p = latest.get(new)?;
            (value_sum(p, "kafka.connect.task.health", &[(C, connector), (T, id)]) == 1.0).then_some(())
        });
        assert!(prometheus.query(&on(old, task)).is_empty(), "{task:?} is back on {old}");
    }

    // What the survivor sent, up to two exports after its last end (to see that no second one comes): each
    // series a moved task had there ends exactly once, in the export after its last value, with its own start
    // and no value; a task that stayed has no end.
    let exports: Vec<(Instant, Vec<Point>)> = eventually(
        cluster,
        WAIT,
        &format!("two exports of {old} after its last end"),
        || {
            let exports: Vec<(Instant, Vec<Point>)> = receiver
                .metric_points_since(requests_before)
                .into_iter()
                .filter(|(_, points)| points.first().and_then(|p| p.resource.get("service.instance.id")) == Some(old))
                .collect();
            let last_end = exports.iter().rposition(|(_, e)| e.iter().any(|p| p.ended))?;
            let each_moved_ended = moved.iter().all(|task| {
                exports
                    .iter()
                    .any(|(_, e)| e.iter().any(|p| p.ended && of_task(p, task)))
            });
            (each_moved_ended && exports.len() >= last_end + 3).then_some(exports)
        },
    );
    let mut stayed = task_placement(&w0).expect("the survivor's REST API answers");
    stayed.retain(|task, (state, worker)| state == "RUNNING" && worker == old && !left.contains_key(task));
    // (Its windowed statistics may end meanwhile, when an idle task's window empties: those are values that
    // became NaN. Its health, state and restart series stay.)
    let lasting = [
        "kafka.connect.task.health",
        "kafka.connect.connector.task.status",
        "kafka.connect.task.restarts",
    ];
    for task in stayed.keys() {
        let ended: Vec<&Point> = exports
            .iter()
            .flat_map(|(_, e)| e)
            .filter(|p| p.ended && of_task(p, task) && lasting.contains(&p.name.as_str()))
            .collect();
        assert!(
            ended.is_empty(),
            "{task:?} stayed on {old}, yet series of it ended: {ended:?}"
        );
    }
    for task in &moved {
        // Its series on the survivor (in the export before the restart, or in one after: a value that appeared
        // since), with the index of the export of its last value, and its ends with theirs.
        let mut last: BTreeMap<SeriesKey, (usize, Point)> = BTreeMap::new();
        let mut ends: BTreeMap<SeriesKey, Vec<(usize, Instant, Point)>> = BTreeMap::new();
        let all = std::iter::once((step, &before)).chain(exports.iter().map(|(at, e)| (*at, e)));
        for (i, (at, export)) in all.enumerate() {
            for p in export.iter().filter(|p| of_task(p, task)) {
                if p.ended {
                    ends.entry(key(p)).or_default().push((i, at, p.clone()));
                } else {
                    assert!(!ends.contains_key(&key(p)), "{task:?}: a value after the end: {p:?}");
                    last.insert(key(p), (i, p.clone()));
                }
            }
        }
        assert!(
            last.keys().any(|(name, _)| name == "kafka.connect.task.health"),
            "{task:?} had its health on {old}: {last:?}"
        );
        assert_eq!(
            ends.keys().collect::<Vec<_>>(),
            last.keys().collect::<Vec<_>>(),
            "every series of {task:?} on {old} ends, and nothing else of it"
        );
        for (k, ended) in &ends {
            assert_eq!(ended.len(), 1, "{k:?} ends once: {ended:?}");
            let (i, _, end) = &ended[0];
            let (last_i, last_value) = &last[k];
            assert_eq!(*i, last_i + 1, "{k:?} ends in the export after its last value: {end:?}");
            assert!(end.value.is_nan(), "no value: {end:?}");
            assert_eq!(end.start, last_value.start, "the end keeps the series' start: {end:?}");
        }
        // Within one export interval (and the collector's and Prometheus's own delays, as for a deleted
        // connector) of the export that ended them, and of Connect reporting that the task left.
        let ended_at = ends.values().map(|e| e[0].1).max().unwrap();
        let after_end = gone[task].saturating_duration_since(ended_at);
        let after_left = gone[task].saturating_duration_since(left[task]);
        eprintln!(
            "{} series of {task:?} ended on {old}; gone from Prometheus there {after_end:?} after the export that \
             ended them, {after_left:?} after Connect reported the task left",
            ends.len()
        );
        for after in [after_end, after_left] {
            assert!(after <= EXPORT_INTERVAL + Duration::from_secs(3), "{task:?}: {after:?}");
        }
    }
    eprintln!("the move step took {:?}", step.elapsed());
}

/// The tracing guide's sink connector, written against the OpenTelemetry API only (`examples/otel-api-connector`,
/// built by `scripts/fetch-test-deps.sh`), deployed in both placements a plugin can have the API in: in its own
/// plugin directory with its own API jars (`plugin.path`: Connect's isolated `PluginClassLoader`) and on both
/// workers' class path beside the API jars (the connector's jar holds no API). Each reads the 20 records of
/// `e2e-traced`; its destination refuses `record 7`, which the task records as an exception and skips. At the
/// receiver: each connector's span tree, attributes, the exception event and status, and the connector and
/// task on every span.
fn opentelemetry_api_connectors(cluster: &Cluster, receiver: &Receiver, ids: &[String], dir: &std::path::Path) {
    let started = Instant::now();
    let w0 = &cluster.workers[0];
    let placements = [
        (
            "otelapi-plugin-sink",
            "io.connectotel.examples.otelapi.CustomSinkConnector",
        ),
        (
            "otelapi-classpath-sink",
            "io.connectotel.examples.otelapi.classpath.CustomSinkConnector",
        ),
    ];
    for (name, class) in placements {
        let out = dir.join(format!("{name}.txt"));
        put_connector(
            w0,
            name,
            &[
                ("connector.class", class),
                ("topics", "e2e-traced"),
                ("file", out.to_str().unwrap()),
                ("refuse.value", "record 7"),
                ("tasks.max", "1"),
            ],
        );
    }
    let of = |spans: &[support::SpanView], connector: &str, name: &str| -> Vec<support::SpanView> {
        spans
            .iter()
            .filter(|s| s.name == name && s.attributes.get(C).map(String::as_str) == Some(connector))
            .cloned()
            .collect()
    };
    let spans = eventually(
        cluster,
        WAIT,
        "both OpenTelemetry API sinks: 19 records written, spans for all 20",
        || {
            let s = receiver.spans();
            let done = placements.iter().all(|(name, _)| {
                let written = std::fs::read_to_string(dir.join(format!("{name}.txt")))
                    .map(|f| f.lines().count())
                    .unwrap_or(0);
                let batches = of(&s, name, "sink.put_batch");
                let in_batches: u64 = batches
                    .iter()
                    .filter_map(|b| b.attributes.get("kafka.connect.batch.size")?.parse::<u64>().ok())
                    .sum();
                let partitions = of(&s, name, "sink.write_partition");
                written == 19 && in_batches == 20 && partitions.len() == batches.len()
            });
            done.then_some(s)
        },
    );
    for (name, _) in placements {
        let everything: Vec<&support::SpanView> = spans
            .iter()
            .filter(|s| s.attributes.get(C).map(String::as_str) == Some(name))
            .collect();
        for s in &everything {
            assert_eq!(s.attributes.get(T).map(String::as_str), Some("0"), "{s:?}");
            assert_eq!(
                s.attributes.get("kafka.connect.connector.type").map(String::as_str),
                Some("sink"),
                "{s:?}"
            );
            assert_eq!(s.scope, "custom-sink-connector", "{s:?}");
            assert!(ids.contains(&s.resource["service.instance.id"]), "{s:?}");
        }
        let batches = of(&spans, name, "sink.put_batch");
        let partitions = of(&spans, name, "sink.write_partition");
        assert_eq!(
            everything.len(),
            batches.len() + partitions.len(),
            "{name}: only its two kinds of span"
        );
        for batch in &batches {
            assert_eq!(batch.kind, 5, "CONSUMER: {batch:?}");
            assert!(batch.parent_span_id.is_empty(), "a root: {batch:?}");
            assert_eq!(batch.status_code, 0, "{batch:?}");
            // One partition (the broker's num.partitions=1): one child, in the batch's trace.
            let children: Vec<&support::SpanView> = partitions
                .iter()
                .filter(|p| p.parent_span_id == batch.span_id)
                .collect();
            assert_eq!(children.len(), 1, "{name}: one partition span under {batch:?}");
            assert_eq!(children[0].trace_id, batch.trace_id);
            assert!(
                children[0].start >= batch.start && children[0].end <= batch.end,
                "{children:?} in {batch:?}"
            );
        }
        let attr = |s: &support::SpanView, k: &str| s.attributes.get(k).cloned().unwrap_or_default();
        for p in &partitions {
            assert_eq!(
                (attr(p, "kafka.topic"), attr(p, "kafka.partition")),
                ("e2e-traced".to_string(), "0".to_string()),
                "{p:?}"
            );
        }
        // The refused record: one exception event, on its partition's span, which says ERROR; the others OK.
        let (failed, fine): (Vec<_>, Vec<_>) = partitions.iter().partition(|p| !p.events.is_empty());
        assert_eq!(
            failed.len(),
            1,
            "{name}: one partition span with the exception: {partitions:#?}"
        );
        let failed = failed[0];
        assert_eq!(failed.events.len(), 1, "{failed:?}");
        let (event, at) = &failed.events[0];
        assert_eq!(event, "exception");
        assert_eq!(
            at.get("exception.type").map(String::as_str),
            Some("java.io.IOException")
        );
        assert_eq!(
            at.get("exception.message").map(String::as_str),
            Some("destination refused record at offset 7: record 7")
        );
        let trace = at.get("exception.stacktrace").cloned().unwrap_or_default();
        assert!(
            trace.starts_with("java.io.IOException: destination refused record at offset 7")
                && trace.contains("\tat io.connectotel.examples.otelapi.")
                && trace.contains("CustomSinkTask.writeToDestination"),
            "{trace}"
        );
        assert_eq!(
            (
                failed.status_code,
                failed.status_message.as_str(),
                attr(failed, "write.success")
            ),
            (2, "1 record(s) refused", "false".to_string())
        );
        for p in fine {
            assert_eq!(
                (p.status_code, attr(p, "write.success")),
                (0, "true".to_string()),
                "{p:?}"
            );
        }
        // The task went on: it and its connector are RUNNING in Connect's status.
        let status = &statuses(w0).expect("statuses")[name];
        assert_eq!(
            (status.connector.state.as_str(), status.tasks[0].state.state.as_str()),
            ("RUNNING", "RUNNING"),
            "{status:?}"
        );
    }
    // Each placement's GlobalOpenTelemetry was said to be ours once, on whichever worker runs its task: the
    // plugin's own copy of the API in its class loader, and the copy on the class path.
    let logs: String = (1..=cluster.workers.len())
        .map(|i| cluster.log(&format!("worker-{i}")))
        .collect();
    let ours: Vec<&str> = logs
        .lines()
        .filter(|l| l.starts_with("connect-otel: GlobalOpenTelemetry"))
        .collect();
    let plugin = ours
        .iter()
        .filter(|l| l.contains("PluginClassLoader") && l.contains("custom-sink-otel"))
        .count();
    let classpath = ours.iter().filter(|l| l.contains("of the worker's class path")).count();
    assert!(
        ours.iter()
            .all(|l| l.ends_with("is connect-otel's (OpenTelemetry API 1.68.0)")),
        "{ours:#?}"
    );
    assert_eq!((plugin, classpath, ours.len()), (1, 1, 2), "{ours:#?}");
    eprintln!(
        "the OpenTelemetry API connectors, both placements, took {:?}",
        started.elapsed()
    );
}
