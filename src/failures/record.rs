//! One transition and what the REST API said about it → the log record's fields.

use opentelemetry::logs::Severity;

use super::rest::RestStatus;
use super::watch::{Change, Transition, CONNECTOR_STATE, TASK_STATE};
use crate::collect::rules::{CONNECTOR, CONNECTOR_TYPE, TASK};

/// The most of a trace one record carries. It goes out twice (body and `exception.stacktrace`), each record
/// in its own request, and a collector takes 4 MiB per gRPC message: a trace of any length must not cost the
/// record. Connect's traces are tens of kilobytes; the cut keeps the head, where the cause is named.
pub(super) const MAX_TRACE_BYTES: usize = 1 << 20;

pub(super) fn capped_trace(trace: &str) -> String {
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
