//! Which connectors and tasks entered or left FAILED, from the collections' state series.

use std::collections::HashMap;

use crate::collect::rules::{CONNECTOR, CONNECTOR_TYPE, TASK};
use crate::metrics::series::Observations;

pub(super) const TASK_STATUS: &str = "kafka.connect.connector.task.status";
pub(super) const TASK_STATE: &str = "kafka.connect.task.state";
pub(super) const CONNECTOR_STATUS: &str = "kafka.connect.connector.status";
pub(super) const CONNECTOR_STATE: &str = "kafka.connect.connector.state";

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
pub(super) const FORGET_AFTER: u32 = 30;

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
