//! End to end on real Kafka: a KRaft broker and two distributed Connect workers (Apache Kafka from Maven
//! Central) with the release agent jar, traced and FileStream pipelines, a connector made to fail, a worker stopped and
//! a connector deleted — checked through what a real OTLP receiver gets from each worker. One worker starts with
//! `-javaagent`; the other (the one that stays to the end) starts without and gets the agent from `attach` once
//! its REST API is up, so every check covers both ways of starting it.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use support::cluster::{eventually, listening_ports, put_connector, rest, Cluster};
use support::collector::Collector;
use support::prometheus::{Prometheus, EVALUATION_INTERVAL};
use support::{select, Point, Receiver};

const C: &str = "kafka.connect.connector";
const T: &str = "kafka.connect.task.id";
const WAIT: Duration = Duration::from_secs(120);

fn value_sum(points: &[Point], name: &str, attrs: &[(&str, &str)]) -> f64 {
    select(points, name, attrs).iter().map(|p| p.value).sum()
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
    let prometheus = Prometheus::start(&support::temp_dir("prometheus"));
    let collector_dir = support::temp_dir("otelcol");
    let collector = Collector::start_with(
        &receiver.http_endpoint(),
        Some(&prometheus.otlp_endpoint()),
        &collector_dir,
    );
    let cluster = Cluster::start_attaching(
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
        let mut since: Option<(String, std::time::Instant)> = None;
        eventually(
            &cluster,
            WAIT,
            &format!("{tasks} tasks RUNNING and the assignment unchanged for 6 s"),
            move || {
                let (status, body) = rest("GET", &format!("{w0}/connectors?expand=status"), None);
                // Each connector and each task says RUNNING once assigned and started.
                let running = body.matches("\"state\":\"RUNNING\"").count();
                if status != 200 || running != 2 * tasks {
                    since = None;
                    return None;
                }
                match &since {
                    Some((seen, t)) if *seen == body => (t.elapsed() >= Duration::from_secs(6)).then_some(()),
                    _ => {
                        since = Some((body, std::time::Instant::now()));
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
    // trace for every other one, on every cycle. (A declared getter that throws is logged too: Connect 3.9's
    // `connect-protocol` does while the worker joins its group. That one is Connect's own.)
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
            a["labels"]["alertname"] == "KafkaConnectTaskFailed"
                && a["labels"]["kafka_connect_connector"] == "broken-sink"
                && a["state"] == "firing"
        })
    });
    let alert_after = failure_seen.elapsed();
    eprintln!("failed-task alert firing {alert_after:?} after the receiver saw health 0: {alert}");
    // Two evaluation intervals, plus one export interval for the collector's second path to Prometheus.
    assert!(
        alert_after <= 2 * EVALUATION_INTERVAL + Duration::from_secs(3),
        "the alert took {alert_after:?}"
    );
    assert!(alert["annotations"]["description"]
        .as_str()
        .is_some_and(|d| d.contains("broken-sink")));
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
    cluster.stop_worker(1);
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

    // A deleted connector's series stop.
    let (status, body) = rest("DELETE", &format!("{w0}/connectors/broken-sink"), None);
    assert!(status == 204 || status == 200, "delete: {status} {body}");
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
}
