//! Failure traces as OpenTelemetry log records.
//!
//! Detection comes from the collections: the state series of the connectors and tasks this worker runs
//! ([`FailureWatch`] keeps the last state of each). Entering FAILED gives one ERROR record, leaving it for
//! RUNNING one INFO record: once per transition, never once per poll, and each worker speaks only for what
//! it runs. The trace itself is only in the worker's REST API, so the reporter thread asks the worker's
//! own listener (`/connectors?expand=status&expand=info`) on loopback, off the collector's thread, with a
//! short timeout. If the API cannot be reached the record still goes out, saying why the trace is missing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::Resource;

use crate::config::{ExporterConfig, FailuresConfig, Protocol};
use crate::mapping::Observations;
use crate::rules::{CONNECTOR, CONNECTOR_TYPE, TASK};

const TASK_STATUS: &str = "kafka.connect.connector.task.status";
const TASK_STATE: &str = "kafka.connect.task.state";
const CONNECTOR_STATUS: &str = "kafka.connect.connector.status";
const CONNECTOR_STATE: &str = "kafka.connect.connector.state";
/// Bound on how long one REST call may take; the reporter is ours, but a stuck call would delay the next.
const REST_TIMEOUT: Duration = Duration::from_secs(5);

/// A connector (`task` = None) or one of its tasks.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject {
    pub connector: String,
    pub task: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Failed,
    Recovered,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    pub subject: Subject,
    pub change: Change,
    /// The state now (`failed`, `running`).
    pub state: String,
    pub connector_type: Option<String>,
}

/// The last state of every connector and task seen on this worker.
#[derive(Default)]
pub struct FailureWatch {
    states: HashMap<Subject, String>,
    /// Subjects that failed and have not been RUNNING since, with how many collections they have been absent.
    /// A restart passes through RESTARTING or UNASSIGNED, and a restarted task's MBeans are briefly gone, so
    /// the recovery is the next RUNNING, not the next collection.
    unrecovered: HashMap<Subject, u32>,
}

/// Collections a failed subject may be absent (moved to another worker, deleted) before it is forgotten.
const FORGET_AFTER: u32 = 30;

impl FailureWatch {
    /// The transitions since the previous collection. A subject already FAILED when first seen counts as a
    /// failure (the agent may start after it); one that disappears is forgotten.
    pub fn observe(&mut self, obs: &Observations) -> Vec<Transition> {
        let mut now: HashMap<Subject, (String, Option<String>)> = HashMap::new();
        for (metric, label, is_task) in [
            (CONNECTOR_STATUS, CONNECTOR_STATE, false),
            (TASK_STATUS, TASK_STATE, true),
        ] {
            for s in obs.metrics.get(metric).into_iter().flatten().filter(|s| s.value == 1.0) {
                let (Some(connector), Some(state)) = (s.attribute(CONNECTOR), s.attribute(label)) else {
                    continue;
                };
                let task = if is_task {
                    match s.attribute(TASK) {
                        Some(t) => Some(t.to_string()),
                        None => continue,
                    }
                } else {
                    None
                };
                let subject = Subject {
                    connector: connector.to_string(),
                    task,
                };
                let kind = s.attribute(CONNECTOR_TYPE).map(|t| t.to_string());
                now.insert(subject, (state.to_string(), kind));
            }
        }
        let mut out = Vec::new();
        for (subject, (state, kind)) in &now {
            let before = self.states.get(subject).map(String::as_str);
            let change = match (before, state.as_str()) {
                (Some("failed"), "failed") => None,
                (_, "failed") => Some(Change::Failed),
                (_, "running") if self.unrecovered.contains_key(subject) => Some(Change::Recovered),
                _ => None,
            };
            match change {
                Some(Change::Failed) => {
                    self.unrecovered.insert(subject.clone(), 0);
                }
                Some(Change::Recovered) => {
                    self.unrecovered.remove(subject);
                }
                None => {}
            }
            if let Some(change) = change {
                out.push(Transition {
                    subject: subject.clone(),
                    change,
                    state: state.clone(),
                    connector_type: kind.clone(),
                });
            }
        }
        out.sort_by(|a, b| a.subject.cmp(&b.subject));
        for (subject, absent) in self.unrecovered.iter_mut() {
            *absent = if now.contains_key(subject) { 0 } else { *absent + 1 };
        }
        self.unrecovered.retain(|_, absent| *absent <= FORGET_AFTER);
        self.states = now.into_iter().map(|(k, (state, _))| (k, state)).collect();
        out
    }
}

/// What the REST API says about one connector or task.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestStatus {
    pub trace: Option<String>,
    pub worker_id: Option<String>,
    pub connector_class: Option<String>,
}

/// Parses `/connectors?expand=status&expand=info`.
pub fn parse_statuses(json: &str) -> Result<HashMap<Subject, RestStatus>, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let map = v.as_object().ok_or("not a JSON object of connectors")?;
    let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let mut out = HashMap::new();
    for (name, entry) in map {
        let class = entry
            .get("info")
            .and_then(|i| i.get("config"))
            .and_then(|c| text(c, "connector.class"));
        let Some(status) = entry.get("status") else { continue };
        if let Some(c) = status.get("connector") {
            out.insert(
                Subject {
                    connector: name.clone(),
                    task: None,
                },
                RestStatus {
                    trace: text(c, "trace"),
                    worker_id: text(c, "worker_id"),
                    connector_class: class.clone(),
                },
            );
        }
        for t in status.get("tasks").and_then(|t| t.as_array()).into_iter().flatten() {
            let Some(id) = t.get("id").and_then(|i| i.as_i64()) else {
                continue;
            };
            out.insert(
                Subject {
                    connector: name.clone(),
                    task: Some(id.to_string()),
                },
                RestStatus {
                    trace: text(t, "trace"),
                    worker_id: text(t, "worker_id"),
                    connector_class: class.clone(),
                },
            );
        }
    }
    Ok(out)
}

/// The most of a trace one record carries. It goes out twice (body and `exception.stacktrace`), each record
/// in its own request, and a collector takes 4 MiB per gRPC message: a trace of any length must not cost the
/// record. Connect's traces are tens of kilobytes; the cut keeps the head, where the cause is named.
const MAX_TRACE_BYTES: usize = 1 << 20;

fn capped_trace(trace: &str) -> String {
    if trace.len() <= MAX_TRACE_BYTES {
        return trace.to_string();
    }
    let mut end = MAX_TRACE_BYTES;
    while !trace.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n… ({} more bytes of the trace cut)",
        &trace[..end],
        trace.len() - end
    )
}

/// The first line of a Java stack trace: `exception.type` and `exception.message`.
fn exception_head(trace: &str) -> (String, String) {
    let first = trace.lines().next().unwrap_or("").trim();
    match first.split_once(": ") {
        Some((t, m)) if !t.contains(' ') => (t.to_string(), m.to_string()),
        _ if !first.contains(' ') => (first.to_string(), String::new()),
        _ => (String::new(), first.to_string()),
    }
}

/// One record, ready to emit.
#[derive(Clone, Debug, PartialEq)]
pub struct FailureRecord {
    pub event_name: &'static str,
    pub severity: Severity,
    pub body: String,
    pub attributes: Vec<(&'static str, String)>,
}

pub fn record(t: &Transition, worker_id: &str, rest: Result<Option<&RestStatus>, &str>) -> FailureRecord {
    let what = match &t.subject.task {
        Some(task) => format!("task {task} of connector {}", t.subject.connector),
        None => format!("connector {}", t.subject.connector),
    };
    let mut attributes: Vec<(&'static str, String)> = vec![
        (CONNECTOR, t.subject.connector.clone()),
        ("kafka.connect.worker.id", worker_id.to_string()),
        (
            if t.subject.task.is_some() {
                TASK_STATE
            } else {
                CONNECTOR_STATE
            },
            t.state.clone(),
        ),
    ];
    if let Some(task) = &t.subject.task {
        attributes.push((TASK, task.clone()));
    }
    if let Some(kind) = &t.connector_type {
        attributes.push((CONNECTOR_TYPE, kind.clone()));
    }
    let status = rest.ok().flatten();
    if let Some(class) = status.and_then(|s| s.connector_class.clone()) {
        attributes.push(("kafka.connect.connector.class", class));
    }
    let is_task = t.subject.task.is_some();
    match t.change {
        Change::Recovered => FailureRecord {
            event_name: if is_task {
                "kafka.connect.task.recovered"
            } else {
                "kafka.connect.connector.recovered"
            },
            severity: Severity::Info,
            body: format!("{what} is RUNNING again after a failure"),
            attributes,
        },
        Change::Failed => {
            let body = match (rest, status.and_then(|s| s.trace.as_deref().map(capped_trace))) {
                (_, Some(trace)) => {
                    let (ty, message) = exception_head(&trace);
                    if !ty.is_empty() {
                        attributes.push(("exception.type", ty));
                    }
                    if !message.is_empty() {
                        attributes.push(("exception.message", message));
                    }
                    attributes.push(("exception.stacktrace", trace.clone()));
                    trace
                }
                (Err(why), None) => format!("{what} FAILED; its trace is unavailable: {why}"),
                (Ok(_), None) => format!("{what} FAILED; the worker's REST API gave no trace"),
            };
            FailureRecord {
                event_name: if is_task {
                    "kafka.connect.task.failed"
                } else {
                    "kafka.connect.connector.failed"
                },
                severity: Severity::Error,
                body,
                attributes,
            }
        }
    }
}

/// The worker's REST API, as reached from inside the worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestTarget {
    /// `http(s)://host:port` without a trailing slash.
    pub base: String,
    /// PEM file of the CA that signed the listener's certificate (HTTPS).
    pub ca_pem: Option<String>,
    /// Why HTTPS cannot be verified with the worker's own settings (e.g. a JKS truststore), if so.
    pub tls_problem: Option<String>,
}

/// The REST listener from the worker's properties: the first of `listeners` (default `http://:8083`), on
/// loopback when it binds every interface; Kafka 3.x's `rest.host.name`/`rest.port` when `listeners` is
/// absent.
pub fn rest_target(props: &std::collections::BTreeMap<String, String>) -> RestTarget {
    let listener = props
        .get("listeners")
        .and_then(|l| l.split(',').map(str::trim).find(|l| !l.is_empty()).map(str::to_string))
        .unwrap_or_else(|| {
            let host = props.get("rest.host.name").cloned().unwrap_or_default();
            let port = props.get("rest.port").cloned().unwrap_or_else(|| "8083".into());
            format!("http://{host}:{port}")
        });
    let (scheme, authority) = listener
        .split_once("://")
        .map(|(s, a)| (s.to_ascii_lowercase(), a.trim_end_matches('/').to_string()))
        .unwrap_or(("http".into(), listener.clone()));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.to_string()),
        None => (authority.clone(), "8083".into()),
    };
    let host = match host.as_str() {
        "" | "0.0.0.0" | "[::]" | "::" => "127.0.0.1".to_string(),
        h => h.to_string(),
    };
    let mut target = RestTarget {
        base: format!("{scheme}://{host}:{port}"),
        ca_pem: None,
        tls_problem: None,
    };
    if scheme == "https" {
        // Connect takes `listeners.https.ssl.*` over the worker's `ssl.*`.
        let ssl = |k: &str| {
            props
                .get(&format!("listeners.https.ssl.{k}"))
                .or_else(|| props.get(&format!("ssl.{k}")))
                .cloned()
        };
        let kind = ssl("truststore.type").unwrap_or_else(|| "JKS".into());
        match (ssl("truststore.location"), kind.to_ascii_uppercase().as_str()) {
            (Some(location), "PEM") => target.ca_pem = Some(location),
            (Some(_), other) => {
                target.tls_problem = Some(format!(
                    "the worker's truststore is {other}, which the agent cannot read: set otel.connect.rest.ca to \
                     a PEM file of the CA"
                ))
            }
            (None, _) => {} // The system's roots may do.
        }
    }
    target
}

/// Counts of the failure reporter, published as agent metrics.
#[derive(Default)]
pub struct FailureStats {
    pub records: AtomicU64,
    pub dropped: AtomicU64,
}

pub struct FailureReporter {
    sender: SyncSender<Vec<Transition>>,
    pub stats: Arc<FailureStats>,
}

impl FailureReporter {
    /// Starts the reporter thread. `Err` (already phrased for the log) when the exporter cannot be built.
    pub fn start(
        exporter: &ExporterConfig,
        config: &FailuresConfig,
        target: RestTarget,
        resource: Resource,
        worker_id: String,
    ) -> Result<FailureReporter, String> {
        let log_exporter = crate::otlp::log_exporter(exporter)?;
        let provider = SdkLoggerProvider::builder()
            .with_resource(resource)
            .with_simple_exporter(log_exporter)
            .build();
        let rest = RestClient::new(config, target)?;
        let (sender, receiver) = sync_channel(16);
        let stats = Arc::new(FailureStats::default());
        let thread_stats = stats.clone();
        let protocol = exporter.protocol;
        std::thread::Builder::new()
            .name("connect-otel-failures".into())
            .spawn(move || {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    report_loop(receiver, provider, rest, protocol, &worker_id, &thread_stats)
                }));
            })
            .map_err(|e| format!("cannot start the failure reporter thread: {e}"))?;
        Ok(FailureReporter { sender, stats })
    }

    /// Hands transitions to the reporter; never blocks (a full queue drops and counts them).
    pub fn send(&self, transitions: Vec<Transition>) {
        if transitions.is_empty() {
            return;
        }
        let n = transitions.len() as u64;
        match self.sender.try_send(transitions) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.stats.dropped.fetch_add(n, Ordering::Relaxed);
            }
        }
    }
}

fn report_loop(
    receiver: Receiver<Vec<Transition>>,
    provider: SdkLoggerProvider,
    rest: RestClient,
    protocol: Protocol,
    worker_id: &str,
    stats: &FailureStats,
) {
    let logger = provider.logger("io.connectotel.connect");
    let mut rest_was_down = false;
    while let Ok(transitions) = receiver.recv() {
        let statuses = if transitions.iter().any(|t| t.change == Change::Failed) {
            let s = rest.statuses();
            match &s {
                Err(e) if !rest_was_down => {
                    crate::log_warn!("cannot read failure traces from the worker's REST API: {e}; failure log records go out without them");
                    rest_was_down = true;
                }
                Ok(_) if rest_was_down => {
                    crate::log_info!("the worker's REST API answers again; failure traces are back");
                    rest_was_down = false;
                }
                _ => {}
            }
            s
        } else {
            Ok(HashMap::new())
        };
        for t in &transitions {
            let rest = match &statuses {
                Ok(map) => Ok(map.get(&t.subject)),
                Err(e) => Err(e.as_str()),
            };
            let r = record(t, worker_id, rest);
            let mut lr = logger.create_log_record();
            lr.set_event_name(r.event_name);
            lr.set_severity_number(r.severity);
            lr.set_severity_text(if r.severity == Severity::Error { "ERROR" } else { "INFO" });
            lr.set_timestamp(SystemTime::now());
            lr.set_body(AnyValue::from(r.body));
            for (k, v) in r.attributes {
                lr.add_attribute(k, v);
            }
            // The simple processor exports on this thread; gRPC needs the I/O runtime's context.
            match protocol {
                Protocol::Grpc => crate::otlp::with_runtime_context(|| logger.emit(lr)),
                Protocol::HttpProtobuf => logger.emit(lr),
            }
            stats.records.fetch_add(1, Ordering::Relaxed);
        }
    }
    let _ = provider.shutdown();
}

/// A small client for the worker's REST API (basic authentication, HTTPS with the worker's CA).
struct RestClient {
    client: reqwest::blocking::Client,
    url: String,
    auth: Option<(String, String)>,
    tls_problem: Option<String>,
}

impl RestClient {
    fn new(config: &FailuresConfig, target: RestTarget) -> Result<RestClient, String> {
        let base = config.rest_url.clone().unwrap_or(target.base);
        let ca = config.rest_ca.clone().or(target.ca_pem);
        let tls_problem = if config.rest_ca.is_some() {
            None
        } else {
            target.tls_problem
        };
        let mut b = reqwest::blocking::Client::builder().timeout(REST_TIMEOUT);
        if let Some(ca) = &ca {
            let pem = std::fs::read(ca).map_err(|e| format!("cannot read the REST CA certificate {ca}: {e}"))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| format!("the REST CA certificate {ca} is not valid PEM: {e}"))?;
            b = b.add_root_certificate(cert);
        }
        // The blocking client starts its own thread and must not be built inside a tokio context.
        let client = std::thread::spawn(move || b.build())
            .join()
            .map_err(|_| "the REST client could not be built".to_string())?
            .map_err(|e| format!("the REST client could not be built: {e}"))?;
        let auth = config
            .rest_username
            .clone()
            .map(|u| (u, config.rest_password.clone().unwrap_or_default()));
        Ok(RestClient {
            client,
            url: format!("{}/connectors?expand=status&expand=info", base.trim_end_matches('/')),
            auth,
            tls_problem,
        })
    }

    fn statuses(&self) -> Result<HashMap<Subject, RestStatus>, String> {
        let mut req = self.client.get(&self.url).header("Accept", "application/json");
        if let Some((u, p)) = &self.auth {
            req = req.basic_auth(u, Some(p));
        }
        let explain = |e: String| match &self.tls_problem {
            Some(p) => format!("{e} ({p})"),
            None => e,
        };
        let response = req.send().map_err(|e| explain(format!("GET {}: {e}", self.url)))?;
        let status = response.status();
        if status.as_u16() == 401 || status.as_u16() == 403 {
            return Err(format!(
                "GET {} answered {status}: set otel.connect.rest.username and otel.connect.rest.password",
                self.url
            ));
        }
        if !status.is_success() {
            return Err(format!("GET {} answered {status}", self.url));
        }
        let body = response.text().map_err(|e| format!("GET {}: {e}", self.url))?;
        parse_statuses(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Series;
    use opentelemetry::KeyValue;

    fn status(o: &mut Observations, connector: &str, task: Option<&str>, state: &str) {
        let (metric, label) = match task {
            Some(_) => (TASK_STATUS, TASK_STATE),
            None => (CONNECTOR_STATUS, CONNECTOR_STATE),
        };
        for s in ["running", "failed", "paused"] {
            let mut attributes = vec![KeyValue::new(CONNECTOR, connector.to_string()), KeyValue::new(label, s)];
            if let Some(t) = task {
                attributes.push(KeyValue::new(TASK, t.to_string()));
            }
            let value = if s == state { 1.0 } else { 0.0 };
            o.metrics
                .entry(metric)
                .or_default()
                .push(Series::new(attributes, value));
        }
    }

    fn one(connector: &str, task: Option<&str>, state: &str) -> Observations {
        let mut o = Observations::default();
        status(&mut o, connector, task, state);
        o
    }

    #[test]
    fn one_record_per_transition_not_per_poll() {
        let mut w = FailureWatch::default();
        assert!(w.observe(&one("c", Some("0"), "running")).is_empty());
        let t = w.observe(&one("c", Some("0"), "failed"));
        assert_eq!(t.len(), 1);
        assert_eq!((t[0].change, t[0].subject.task.as_deref()), (Change::Failed, Some("0")));
        assert!(
            w.observe(&one("c", Some("0"), "failed")).is_empty(),
            "still failed: nothing new"
        );
        let t = w.observe(&one("c", Some("0"), "running"));
        assert_eq!(t[0].change, Change::Recovered);
        assert!(w.observe(&one("c", Some("0"), "running")).is_empty());
    }

    #[test]
    fn failed_when_first_seen_counts_and_paused_is_not_a_recovery() {
        let mut w = FailureWatch::default();
        let t = w.observe(&one("c", None, "failed"));
        assert_eq!((t[0].change, t[0].subject.task.clone()), (Change::Failed, None));
        assert!(w.observe(&one("c", None, "paused")).is_empty());
        // Gone (deleted, or moved to another worker) and back failed: a new failure here.
        assert!(w.observe(&Observations::default()).is_empty());
        assert_eq!(w.observe(&one("c", None, "failed")).len(), 1);
    }

    #[test]
    fn a_restart_through_other_states_or_a_gap_is_still_one_recovery() {
        let mut w = FailureWatch::default();
        assert_eq!(w.observe(&one("c", Some("0"), "failed")).len(), 1);
        // Connect marks the task RESTARTING, then it is briefly gone while it stops and starts again.
        assert!(w.observe(&one("c", Some("0"), "restarting")).is_empty());
        assert!(w.observe(&Observations::default()).is_empty());
        let t = w.observe(&one("c", Some("0"), "running"));
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].change, Change::Recovered);
        assert!(w.observe(&one("c", Some("0"), "running")).is_empty(), "once");
        // A failed task that moved away long ago and comes back running is not a recovery seen here.
        assert_eq!(w.observe(&one("d", None, "failed")).len(), 1);
        for _ in 0..=FORGET_AFTER {
            assert!(w.observe(&Observations::default()).is_empty());
        }
        assert!(w.observe(&one("d", None, "running")).is_empty());
    }

    const STATUS: &str = r#"{"broken":{"status":{"name":"broken","connector":{"state":"RUNNING","worker_id":"w:8083"},
      "tasks":[{"id":0,"state":"FAILED","worker_id":"w:8083","trace":"org.apache.kafka.connect.errors.ConnectException: disk full\n\tat a.B.c(B.java:1)\n"}],"type":"sink"},
      "info":{"name":"broken","config":{"connector.class":"com.example.BrokenSink","tasks.max":"1"},"tasks":[],"type":"sink"}}}"#;

    #[test]
    fn the_trace_and_class_come_from_the_rest_status() {
        let statuses = parse_statuses(STATUS).unwrap();
        let subject = Subject {
            connector: "broken".into(),
            task: Some("0".into()),
        };
        let s = &statuses[&subject];
        assert_eq!(s.worker_id.as_deref(), Some("w:8083"));
        let t = Transition {
            subject,
            change: Change::Failed,
            state: "failed".into(),
            connector_type: Some("sink".into()),
        };
        let r = record(&t, "w:8083", Ok(Some(s)));
        assert_eq!(r.severity, Severity::Error);
        assert_eq!(r.event_name, "kafka.connect.task.failed");
        assert!(r
            .body
            .starts_with("org.apache.kafka.connect.errors.ConnectException: disk full\n\tat a.B.c"));
        let get = |k: &str| r.attributes.iter().find(|(a, _)| *a == k).map(|(_, v)| v.as_str());
        assert_eq!(get("kafka.connect.connector"), Some("broken"));
        assert_eq!(get("kafka.connect.task.id"), Some("0"));
        assert_eq!(get("kafka.connect.task.state"), Some("failed"));
        assert_eq!(get("kafka.connect.worker.id"), Some("w:8083"));
        assert_eq!(get("kafka.connect.connector.class"), Some("com.example.BrokenSink"));
        assert_eq!(
            get("exception.type"),
            Some("org.apache.kafka.connect.errors.ConnectException")
        );
        assert_eq!(get("exception.message"), Some("disk full"));
    }

    #[test]
    fn a_huge_trace_is_cut_so_that_its_record_fits_a_request() {
        let trace = format!(
            "java.lang.IllegalStateException: big\n{}",
            "\tat é.F.g(F.java:1)\n".repeat(200_000)
        );
        let capped = capped_trace(&trace);
        let kept = capped.find("\n… (").expect("the cut is marked");
        assert!(kept <= MAX_TRACE_BYTES && kept > MAX_TRACE_BYTES - 4, "{kept}");
        assert!(trace.starts_with(&capped[..kept]));
        assert!(capped.ends_with(&format!("({} more bytes of the trace cut)", trace.len() - kept)));
        assert_eq!(capped_trace("short"), "short");
    }

    #[test]
    fn without_the_rest_api_the_record_says_why() {
        let t = Transition {
            subject: Subject {
                connector: "c".into(),
                task: Some("1".into()),
            },
            change: Change::Failed,
            state: "failed".into(),
            connector_type: None,
        };
        let r = record(&t, "w:1", Err("connection refused"));
        assert_eq!(
            r.body,
            "task 1 of connector c FAILED; its trace is unavailable: connection refused"
        );
        let recovered = record(
            &Transition {
                change: Change::Recovered,
                state: "running".into(),
                ..t
            },
            "w:1",
            Ok(None),
        );
        assert_eq!(
            (recovered.severity, recovered.event_name),
            (Severity::Info, "kafka.connect.task.recovered")
        );
    }

    #[test]
    fn the_rest_listener_comes_from_the_worker_properties() {
        let props = |kv: &[(&str, &str)]| kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(rest_target(&props(&[])).base, "http://127.0.0.1:8083");
        assert_eq!(
            rest_target(&props(&[("listeners", "HTTP://0.0.0.0:18083")])).base,
            "http://127.0.0.1:18083"
        );
        assert_eq!(
            rest_target(&props(&[("listeners", "http://connect-1:8083,https://:8443")])).base,
            "http://connect-1:8083"
        );
        assert_eq!(
            rest_target(&props(&[("rest.port", "9000")])).base,
            "http://127.0.0.1:9000"
        );
        let https = rest_target(&props(&[
            ("listeners", "https://:8443"),
            ("listeners.https.ssl.truststore.type", "PEM"),
            ("listeners.https.ssl.truststore.location", "/etc/ca.pem"),
        ]));
        assert_eq!(
            (https.base.as_str(), https.ca_pem.as_deref()),
            ("https://127.0.0.1:8443", Some("/etc/ca.pem"))
        );
        let jks = rest_target(&props(&[
            ("listeners", "https://:8443"),
            ("ssl.truststore.location", "/etc/t.jks"),
        ]));
        assert!(jks.tls_problem.unwrap().contains("otel.connect.rest.ca"));
    }
}
