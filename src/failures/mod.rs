//! Failure traces as OpenTelemetry log records.
//!
//! Detection comes from the collections: the state series of the connectors and tasks this worker runs
//! ([`FailureWatch`] keeps the last state of each). Entering FAILED gives one ERROR record, leaving it for
//! RUNNING one INFO record: once per transition, never once per poll, and each worker speaks only for what
//! it runs. The trace itself is only in the worker's REST API, so the reporter thread asks the worker's
//! own listener (`/connectors?expand=status&expand=info`) on loopback, off the collector's thread, with a
//! short timeout. If the API cannot be reached the record still goes out, saying why the trace is missing.

mod record;
mod reporter;
mod rest;
mod watch;

pub use reporter::FailureReporter;
pub use watch::FailureWatch;

#[cfg(test)]
mod tests {
    use opentelemetry::logs::Severity;

    use super::*;
    use crate::collect::rules::{CONNECTOR, TASK};
    use crate::metrics::series::Observations;
    use crate::metrics::series::Series;
    use opentelemetry::KeyValue;
    use record::{capped_trace, record, MAX_TRACE_BYTES};
    use rest::parse_statuses;
    use watch::{
        Change, Subject, Transition, CONNECTOR_STATE, CONNECTOR_STATUS, FORGET_AFTER, TASK_STATE, TASK_STATUS,
    };

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
}
