//! Failure log records from a real JVM with the agent: the fixture registers Connect's MBeans, a task is set
//! to FAILED and back; the trace comes from a stand-in for the worker's REST API on loopback (found from the
//! worker's properties file, with basic authentication), or that API is down.

mod support;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::RawQuery;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use serde_json::json;
use support::{worker_properties, JvmBuilder, LogView, Receiver};

const WAIT: Duration = Duration::from_secs(30);
const C: &str = "kafka.connect.connector";
const TRACE: &str = "org.apache.kafka.connect.errors.ConnectException: the disk is full\n\tat com.example.FileSink.put(FileSink.java:42)\n";
/// `connect:s3cret`.
const CREDENTIALS: &str = "Basic Y29ubmVjdDpzM2NyZXQ=";

/// What Connect's `GET /connectors?expand=status&expand=info` answers for connector `files` (a source of
/// `com.example.FileSource`) with `tasks` (their status entries), on worker `worker`.
fn connectors_json(worker: &str, tasks: serde_json::Value) -> serde_json::Value {
    json!({
        "files": {
            "status": {
                "name": "files",
                "connector": {"state": "RUNNING", "worker_id": worker},
                "tasks": tasks,
                "type": "source"
            },
            "info": {
                "name": "files",
                "config": {"connector.class": "com.example.FileSource"},
                "tasks": [],
                "type": "source"
            }
        }
    })
}

/// A REST API answering `/connectors?expand=status&expand=info` like Connect's, behind basic authentication,
/// on its own runtime (dropped with it).
struct RestApi {
    port: u16,
    /// Authorized status requests served.
    served: Arc<AtomicUsize>,
    _runtime: tokio::runtime::Runtime,
}

fn rest_api() -> RestApi {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let worker = format!("127.0.0.1:{port}");
    let body = connectors_json(
        &worker,
        json!([
            {"id": 0, "state": "RUNNING", "worker_id": worker},
            {"id": 1, "state": "FAILED", "worker_id": worker, "trace": TRACE}
        ]),
    )
    .to_string();
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let status = move |headers: HeaderMap, RawQuery(query): RawQuery| async move {
        if headers.get(AUTHORIZATION).is_none_or(|v| v != CREDENTIALS) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        if query.as_deref() != Some("expand=status&expand=info") {
            return StatusCode::NOT_FOUND.into_response();
        }
        count.fetch_add(1, Ordering::SeqCst);
        ([(CONTENT_TYPE, "application/json")], body).into_response()
    };
    let routes = axum::Router::new().route("/connectors", axum::routing::get(status));
    runtime.spawn(async move { axum::serve(listener, routes).await.unwrap() });
    RestApi {
        port,
        served,
        _runtime: runtime,
    }
}

fn records(receiver: &Receiver, event: &str) -> Vec<LogView> {
    receiver
        .logs()
        .into_iter()
        .filter(|l| l.event_name == event && l.attributes.get(C).map(String::as_str) == Some("files"))
        .collect()
}

fn wait_for_record(receiver: &Receiver, event: &str) -> LogView {
    let start = std::time::Instant::now();
    loop {
        if let Some(r) = records(receiver, event).into_iter().next() {
            return r;
        }
        assert!(
            start.elapsed() < WAIT,
            "no {event} record within {WAIT:?}: {:?}",
            receiver.logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The fixture JVM with the agent (`args`), a worker and connector `files` with two tasks, once their metrics
/// arrive.
fn start_fixture(receiver: &Receiver, args: &str) -> support::Jvm {
    let mut jvm = JvmBuilder::new().args(args).spawn();
    jvm.cmd("worker");
    jvm.cmd("connector files source 2");
    receiver.wait_for(WAIT, "task metrics", |p| {
        p.iter().any(|x| x.name == "kafka.connect.task.health")
    });
    jvm
}

#[test]
fn a_failed_task_gives_one_error_record_with_its_trace_and_a_recovery_gives_one_info_record() {
    let receiver = Receiver::start();
    let api = rest_api();
    let (port, served) = (api.port, &api.served);
    let dir = support::temp_dir("failures-rest");
    // The REST listener is found from the worker's properties file, as on a real worker.
    let props = worker_properties(&dir, "fixture-cluster", port);
    let mut jvm = start_fixture(
        &receiver,
        &format!(
            "otel.exporter.otlp.endpoint={},otel.metric.export.interval=500,otel.connect.worker.config={},\
                 otel.connect.rest.username=connect,otel.connect.rest.password=s3cret",
            receiver.grpc_endpoint(),
            props.display()
        ),
    );
    jvm.cmd("set connector-task-metrics files 1 status failed");

    let r = wait_for_record(&receiver, "kafka.connect.task.failed");
    assert_eq!((r.severity_number, r.severity_text.as_str()), (17, "ERROR"));
    assert_eq!(r.body, TRACE);
    let attr = |k: &str| r.attributes.get(k).cloned().unwrap_or_default();
    assert_eq!(attr("kafka.connect.task.id"), "1");
    assert_eq!(attr("kafka.connect.task.state"), "failed");
    assert_eq!(attr("kafka.connect.connector.type"), "source");
    assert_eq!(attr("kafka.connect.connector.class"), "com.example.FileSource");
    assert_eq!(attr("kafka.connect.worker.id"), format!("127.0.0.1:{port}"));
    assert_eq!(
        attr("exception.type"),
        "org.apache.kafka.connect.errors.ConnectException"
    );
    assert_eq!(attr("exception.message"), "the disk is full");
    assert_eq!(
        r.resource.get("service.instance.id"),
        Some(&format!("127.0.0.1:{port}"))
    );
    assert_eq!(
        served.load(Ordering::SeqCst),
        1,
        "one REST call per failure, with the credentials"
    );

    // Still FAILED over several collections: nothing new.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(records(&receiver, "kafka.connect.task.failed").len(), 1);

    jvm.cmd("set connector-task-metrics files 1 status running");
    let r = wait_for_record(&receiver, "kafka.connect.task.recovered");
    assert_eq!((r.severity_number, r.severity_text.as_str()), (9, "INFO"));
    assert_eq!(r.body, "task 1 of connector files is RUNNING again after a failure");
    assert_eq!(served.load(Ordering::SeqCst), 1, "a recovery needs no trace");

    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success());
    assert!(
        !stderr.contains("s3cret"),
        "the REST password reached the log:\n{stderr}"
    );
    assert!(stderr.contains("failure log records: grpc"), "{stderr}");
}

#[test]
fn without_the_rest_api_the_record_says_why_in_one_line_and_collection_goes_on() {
    let receiver = Receiver::start();
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut jvm = start_fixture(
        &receiver,
        &format!(
            "otel.exporter.otlp.endpoint={},otel.metric.export.interval=500,otel.connect.rest.url=http://127.0.0.1:{closed}",
                receiver.grpc_endpoint()
        ),
    );
    jvm.cmd("set connector-task-metrics files 0 status failed");
    jvm.cmd("set connector-task-metrics files 1 status failed");
    let r = wait_for_record(&receiver, "kafka.connect.task.failed");
    assert!(
        r.body
            .contains("FAILED; its trace is unavailable: GET http://127.0.0.1:"),
        "{}",
        r.body
    );
    // The agent keeps collecting and exporting.
    let before = receiver.metric_requests();
    receiver.wait_for(WAIT, "more exports", |_| receiver.metric_requests() > before + 2);
    let p = receiver.wait_for(WAIT, "failure records counted", |p| {
        p.iter()
            .any(|x| x.name == "connect_otel.failure_records.emitted" && x.value >= 2.0)
    });
    assert!(!p.is_empty());
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success());
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("cannot read failure traces"))
        .collect();
    assert_eq!(lines.len(), 1, "one line for the unreachable REST API:\n{stderr}");
}

#[test]
fn an_https_listener_is_verified_with_the_workers_pem_truststore() {
    let dir = support::temp_dir("failures-https");
    support::certificates(&dir);
    // The REST API over TLS: openssl's s_server serving the status JSON as a file named like the request path.
    let www = dir.join("www");
    std::fs::create_dir_all(&www).unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let worker = format!("127.0.0.1:{port}");
    let status = connectors_json(
        &worker,
        json!([{"id": 1, "state": "FAILED", "worker_id": worker, "trace": TRACE}]),
    );
    std::fs::write(www.join("connectors?expand=status&expand=info"), status.to_string()).unwrap();
    let mut server = std::process::Command::new("openssl")
        .args(["s_server", "-quiet", "-WWW", "-accept", &port.to_string()])
        .arg("-cert")
        .arg(dir.join("server.pem"))
        .arg("-key")
        .arg(dir.join("server.key"))
        .current_dir(&www)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("openssl s_server");
    let start = std::time::Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(start.elapsed() < WAIT, "s_server did not listen");
        std::thread::sleep(Duration::from_millis(100));
    }
    let props = dir.join("connect-distributed.properties");
    std::fs::write(
        &props,
        format!(
            "group.id=tls-cluster\nlisteners=https://127.0.0.1:{port}\nlisteners.https.ssl.truststore.type=PEM\n\
             listeners.https.ssl.truststore.location={}\n",
            dir.join("ca.pem").display()
        ),
    )
    .unwrap();

    let receiver = Receiver::start();
    let mut jvm = start_fixture(
        &receiver,
        &format!(
            "otel.exporter.otlp.endpoint={},otel.metric.export.interval=500,otel.connect.worker.config={}",
            receiver.grpc_endpoint(),
            props.display()
        ),
    );
    jvm.cmd("set connector-task-metrics files 1 status failed");
    let r = wait_for_record(&receiver, "kafka.connect.task.failed");
    let _ = server.kill();
    let _ = server.wait();
    assert_eq!(r.body, TRACE, "the trace came over HTTPS");
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}
