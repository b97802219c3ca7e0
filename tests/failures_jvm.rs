//! Failure log records from a real JVM with the agent: the fixture registers Connect's MBeans, a task is set
//! to FAILED and back; the trace comes from a stand-in for the worker's REST API on loopback (found from the
//! worker's properties file, with basic authentication), or that API is down.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{worker_properties, JvmBuilder, LogView, Receiver};

const WAIT: Duration = Duration::from_secs(30);
const C: &str = "kafka.connect.connector";
const TRACE: &str = "org.apache.kafka.connect.errors.ConnectException: the disk is full\n\tat com.example.FileSink.put(FileSink.java:42)\n";
/// `connect:s3cret`.
const CREDENTIALS: &str = "Basic Y29ubmVjdDpzM2NyZXQ=";

/// A REST API answering `/connectors?expand=status&expand=info` like Connect's, behind basic authentication.
/// Returns its port and the count of authorized requests.
fn rest_api() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let body = format!(
        r#"{{"files":{{"status":{{"name":"files","connector":{{"state":"RUNNING","worker_id":"127.0.0.1:{port}"}},"tasks":[{{"id":0,"state":"RUNNING","worker_id":"127.0.0.1:{port}"}},{{"id":1,"state":"FAILED","worker_id":"127.0.0.1:{port}","trace":{}}}],"type":"source"}},"info":{{"name":"files","config":{{"connector.class":"com.example.FileSource"}},"tasks":[],"type":"source"}}}}}}"#,
        json_string(TRACE)
    );
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let mut authorized = false;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if line.to_ascii_lowercase().starts_with("authorization:") {
                    authorized = line.trim_end().ends_with(CREDENTIALS);
                }
            }
            let mut out = stream;
            let response = if !authorized {
                "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
            } else if request_line.starts_with("GET /connectors?expand=status&expand=info ") {
                count.fetch_add(1, Ordering::SeqCst);
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
            };
            let _ = out.write_all(response.as_bytes());
        }
    });
    (port, served)
}

fn json_string(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
            .replace('\t', "\\t")
    )
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
    let (port, served) = rest_api();
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
    let status = format!(
        r#"{{"files":{{"status":{{"name":"files","connector":{{"state":"RUNNING","worker_id":"127.0.0.1:{port}"}},"tasks":[{{"id":1,"state":"FAILED","worker_id":"127.0.0.1:{port}","trace":{}}}],"type":"source"}},"info":{{"name":"files","config":{{"connector.class":"com.example.FileSource"}},"tasks":[],"type":"source"}}}}}}"#,
        json_string(TRACE)
    );
    std::fs::write(www.join("connectors?expand=status&expand=info"), status).unwrap();
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
