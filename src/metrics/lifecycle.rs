//! Restarts, state transitions and time in state, per task and per connector, over successive collections.
//!
//! Restarts come from what the reader saw, not from state changes: a task's (a connector's) MBeans are made
//! anew on each of its starts, and the reader follows the server's registration notifications, which tell a
//! start from Kafka's re-registration of a live MBean ([`Start`]). So a task restarted three times between
//! two collections counts 3, though every collection saw it RUNNING. Every start on this worker after the first
//! one the agent knows of counts, also one after an absence (moved away and back: Connect stopped and started
//! it here again), so the count is what the worker's log says: its "Creating task" lines for the task, less
//! one. A subject away for [`FORGET`] collections is forgotten; its next start here is a first one again.
//!
//! Transitions and time in state are what the collections saw: a state change between two collections
//! counts once (from the earlier state to the later one), and a state's duration runs from the collection
//! that first saw it, or from the subject's last start when it started since the last collection.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use opentelemetry::KeyValue;

use crate::collect::rules::{CONNECTOR, TASK};
use crate::collect::snapshot::Start;
use crate::metrics::series::{text, Observations, Series, SharedAttributes};

/// A subject not seen for this many collections is forgotten (its counts start afresh if it comes back).
const FORGET: u64 = 120;

/// What is watched of one kind of subject.
struct Subject {
    /// The state metric the mapping publishes for it (one series per state, 1 for the current one).
    status: &'static str,
    /// Its MBean's `type`, and the MBean keys with the attributes they become.
    bean_type: &'static str,
    keys: &'static [(&'static str, &'static str)],
    state: &'static str,
    previous_state: &'static str,
    restarts: &'static str,
    transitions: &'static str,
    duration: &'static str,
}

pub const TASK_RESTARTS: &str = "kafka.connect.task.restarts";
pub const TASK_TRANSITIONS: &str = "kafka.connect.task.transitions";
pub const TASK_STATE_DURATION: &str = "kafka.connect.task.state_duration";
pub const CONNECTOR_RESTARTS: &str = "kafka.connect.connector.restarts";
pub const CONNECTOR_TRANSITIONS: &str = "kafka.connect.connector.transitions";
pub const CONNECTOR_STATE_DURATION: &str = "kafka.connect.connector.state_duration";

const SUBJECTS: [Subject; 2] = [
    Subject {
        status: "kafka.connect.connector.task.status",
        bean_type: "connector-task-metrics",
        keys: &[("connector", CONNECTOR), ("task", TASK)],
        state: "kafka.connect.task.state",
        previous_state: "kafka.connect.task.previous_state",
        restarts: TASK_RESTARTS,
        transitions: TASK_TRANSITIONS,
        duration: TASK_STATE_DURATION,
    },
    Subject {
        status: "kafka.connect.connector.status",
        bean_type: "connector-metrics",
        keys: &[("connector", CONNECTOR)],
        state: "kafka.connect.connector.state",
        previous_state: "kafka.connect.connector.previous_state",
        restarts: CONNECTOR_RESTARTS,
        transitions: CONNECTOR_TRANSITIONS,
        duration: CONNECTOR_STATE_DURATION,
    },
];

/// One transition seen, with the attributes of its series (made once, again only if the subject's change).
struct Transition {
    from: String,
    to: String,
    count: u64,
    attributes: Option<(Arc<SharedAttributes>, Arc<SharedAttributes>)>,
}

#[derive(Default)]
struct Tracked {
    restarts: u64,
    /// The collection that last saw it; `None`: only its starts are known yet.
    seen: Option<u64>,
    state: String,
    since: Option<Instant>,
    transitions: Vec<Transition>,
    /// Starts since it was last seen, and when the last one was.
    starts: u64,
    last_start: Option<Instant>,
}

#[derive(Default)]
pub struct Lifecycle {
    collection: u64,
    /// Per subject kind, by its key values joined with NUL.
    tracked: [HashMap<String, Tracked>; 2],
}

impl Lifecycle {
    /// Adds this collection's restart, transition and time-in-state series. `starts`: the MBeans started since
    /// the last collection; `follows`: whether the reader follows registrations (else no restart is counted,
    /// since none could be seen between collections).
    pub fn observe(&mut self, obs: &mut Observations, starts: &[Start], follows: bool, now: Instant, wall: SystemTime) {
        self.collection += 1;
        let wall_ms = wall.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
        for (subject, tracked) in SUBJECTS.iter().zip(self.tracked.iter_mut()) {
            let mut key = String::new();
            for start in starts {
                if start.name.domain != "kafka.connect" || start.name.get("type") != Some(subject.bean_type) {
                    continue;
                }
                key.clear();
                for (i, (k, _)) in subject.keys.iter().enumerate() {
                    if i > 0 {
                        key.push('\0');
                    }
                    key.push_str(start.name.get(k).unwrap_or_default());
                }
                let t = tracked.entry(key.clone()).or_default();
                t.starts += u64::from(start.count);
                let ago = Duration::from_millis(wall_ms.saturating_sub(start.last_unix_ms).max(0) as u64);
                let at = now.checked_sub(ago).unwrap_or(now);
                t.last_start = Some(t.last_start.map_or(at, |l| l.max(at)));
            }
            observe_subject(subject, tracked, obs, follows, self.collection, now);
        }
    }
}

fn observe_subject(
    subject: &Subject,
    tracked: &mut HashMap<String, Tracked>,
    obs: &mut Observations,
    follows: bool,
    collection: u64,
    now: Instant,
) {
    let mut out: Vec<(&'static str, Series)> = Vec::new();
    let mut key = String::new();
    for s in obs.metrics.get(subject.status).into_iter().flatten() {
        if s.value != 1.0 {
            continue;
        }
        let Some(state) = s.own.as_ref().filter(|kv| kv.key.as_str() == subject.state) else {
            continue;
        };
        let state = state.value.as_str();
        key.clear();
        for (i, (_, attribute)) in subject.keys.iter().enumerate() {
            if i > 0 {
                key.push('\0');
            }
            key.push_str(&s.attribute(attribute).unwrap_or_default());
        }
        let t = match tracked.get_mut(key.as_str()) {
            Some(t) => t,
            None => tracked.entry(key.clone()).or_default(),
        };
        // Seen before: every start since is a restart; new here: its first start is none.
        let known = t.seen.is_some();
        t.restarts += if known { t.starts } else { t.starts.saturating_sub(1) };
        // Transitions and durations follow what the last collections saw; after an absence they start afresh.
        let recent = t.seen.is_some_and(|c| collection - c <= 1);
        let started = std::mem::take(&mut t.starts) > 0;
        let last_start = t.last_start.take();
        if recent && t.state != state {
            match t.transitions.iter_mut().find(|x| x.from == t.state && x.to == state) {
                Some(x) => x.count += 1,
                None => t.transitions.push(Transition {
                    from: std::mem::take(&mut t.state),
                    to: state.to_string(),
                    count: 1,
                    attributes: None,
                }),
            }
            t.since = Some(now);
        } else if !recent {
            t.since = Some(now);
        }
        if started {
            // A start begins the current state afresh: in it since the last start.
            if let Some(start) = last_start {
                t.since = Some(start);
            }
        }
        if t.state != state {
            t.state = state.to_string();
        }
        t.seen = Some(collection);

        if follows {
            out.push((subject.restarts, with(&s.shared, None, t.restarts as f64)));
        }
        let since = t.since.unwrap_or(now);
        out.push((
            subject.duration,
            with(
                &s.shared,
                s.own.clone(),
                (now.saturating_duration_since(since).as_secs_f64() * 10.0).round() / 10.0,
            ),
        ));
        for x in &mut t.transitions {
            let attributes = match &x.attributes {
                Some((base, made)) if Arc::ptr_eq(base, &s.shared) => Arc::clone(made),
                _ => {
                    let mut list = s.shared.list.clone();
                    list.push(KeyValue::new(subject.previous_state, text(x.from.as_str())));
                    let made = SharedAttributes::new(list);
                    x.attributes = Some((Arc::clone(&s.shared), Arc::clone(&made)));
                    made
                }
            };
            out.push((
                subject.transitions,
                Series {
                    shared: attributes,
                    own: Some(KeyValue::new(subject.state, text(x.to.as_str()))),
                    value: x.count as f64,
                },
            ));
        }
    }
    for (name, series) in out {
        obs.metrics.entry(name).or_default().push(series);
    }
    tracked.retain(|_, t| match t.seen {
        Some(c) => collection - c < FORGET,
        // Started but never seen in a collection (stopped again before one): kept a while for its next sighting.
        None => t
            .last_start
            .is_some_and(|s| now.saturating_duration_since(s) < Duration::from_secs(600)),
    });
}

fn with(shared: &Arc<SharedAttributes>, own: Option<KeyValue>, value: f64) -> Series {
    Series {
        shared: Arc::clone(shared),
        own,
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::objectname::ObjectName;

    const STATUS: &str = "kafka.connect.connector.task.status";
    const STATE: &str = "kafka.connect.task.state";

    /// One collection's task status series: one per state, 1 for `state`.
    fn tasks(list: &[(&str, &str, &str)]) -> Observations {
        let mut obs = Observations::default();
        for (connector, task, state) in list {
            let shared = SharedAttributes::new(vec![
                KeyValue::new(CONNECTOR, connector.to_string()),
                KeyValue::new(TASK, task.to_string()),
            ]);
            for s in ["running", "failed", "unassigned"] {
                obs.metrics.entry(STATUS).or_default().push(Series {
                    shared: Arc::clone(&shared),
                    own: Some(KeyValue::new(STATE, s)),
                    value: if s == *state { 1.0 } else { 0.0 },
                });
            }
        }
        obs
    }

    fn start(connector: &str, task: &str, count: u32) -> Start {
        Start {
            name: ObjectName::parse(&format!(
                "kafka.connect:type=connector-task-metrics,connector={connector},task={task}"
            ))
            .unwrap(),
            count,
            last_unix_ms: 0,
        }
    }

    fn value(obs: &Observations, name: &str, task: &str, own: Option<(&str, &str)>) -> Option<f64> {
        obs.metrics
            .get(name)?
            .iter()
            .find(|s| {
                s.attribute(TASK).as_deref() == Some(task)
                    && own.is_none_or(|(k, v)| s.attribute(k).as_deref() == Some(v))
            })
            .map(|s| s.value)
    }

    fn collect(l: &mut Lifecycle, list: &[(&str, &str, &str)], starts: &[Start], at: Instant) -> Observations {
        let mut obs = tasks(list);
        l.observe(&mut obs, starts, true, at, SystemTime::now());
        obs
    }

    #[test]
    fn restarts_between_two_collections_are_all_counted() {
        let mut l = Lifecycle::default();
        let t0 = Instant::now();
        let obs = collect(&mut l, &[("c", "0", "running")], &[], t0);
        assert_eq!(value(&obs, TASK_RESTARTS, "0", None), Some(0.0));
        // Three starts, RUNNING at both collections.
        let obs = collect(
            &mut l,
            &[("c", "0", "running")],
            &[start("c", "0", 3)],
            t0 + Duration::from_secs(30),
        );
        assert_eq!(value(&obs, TASK_RESTARTS, "0", None), Some(3.0));
        assert!(!obs.metrics.contains_key(TASK_TRANSITIONS), "no state change was seen");
        let obs = collect(&mut l, &[("c", "0", "running")], &[], t0 + Duration::from_secs(60));
        assert_eq!(value(&obs, TASK_RESTARTS, "0", None), Some(3.0));
    }

    #[test]
    fn a_first_start_is_no_restart_and_a_collection_mid_restart_loses_nothing() {
        let mut l = Lifecycle::default();
        let t0 = Instant::now();
        // Created after the agent started: its first start is no restart.
        let obs = collect(&mut l, &[("c", "0", "running")], &[start("c", "0", 1)], t0);
        assert_eq!(value(&obs, TASK_RESTARTS, "0", None), Some(0.0));
        // A collection while it restarted (its MBeans gone), then it is back.
        let obs = collect(&mut l, &[], &[], t0 + Duration::from_secs(30));
        assert!(!obs.metrics.contains_key(TASK_RESTARTS));
        let obs = collect(
            &mut l,
            &[("c", "0", "running")],
            &[start("c", "0", 1)],
            t0 + Duration::from_secs(60),
        );
        assert_eq!(value(&obs, TASK_RESTARTS, "0", None), Some(1.0));
    }

    #[test]
    fn a_subject_back_after_an_absence_counts_a_restart_until_it_is_forgotten() {
        let mut l = Lifecycle::default();
        let t0 = Instant::now();
        collect(&mut l, &[("c", "0", "running")], &[], t0);
        collect(&mut l, &[("c", "0", "running")], &[start("c", "0", 2)], t0);
        for _ in 0..10 {
            collect(&mut l, &[], &[], t0);
        }
        let obs = collect(&mut l, &[("c", "0", "running")], &[start("c", "0", 1)], t0);
        assert_eq!(
            value(&obs, TASK_RESTARTS, "0", None),
            Some(3.0),
            "moved away and back: started here again"
        );
        for _ in 0..FORGET {
            collect(&mut l, &[], &[], t0);
        }
        let obs = collect(&mut l, &[("c", "0", "running")], &[start("c", "0", 1)], t0);
        assert_eq!(
            value(&obs, TASK_RESTARTS, "0", None),
            Some(0.0),
            "forgotten: a first start again"
        );
    }

    #[test]
    fn transitions_count_from_and_to_and_time_in_state_starts_again() {
        let mut l = Lifecycle::default();
        let t0 = Instant::now();
        collect(&mut l, &[("c", "0", "running")], &[], t0);
        let obs = collect(&mut l, &[("c", "0", "running")], &[], t0 + Duration::from_secs(30));
        assert_eq!(
            value(&obs, TASK_STATE_DURATION, "0", Some((STATE, "running"))),
            Some(30.0)
        );
        let obs = collect(&mut l, &[("c", "0", "failed")], &[], t0 + Duration::from_secs(60));
        let previous = "kafka.connect.task.previous_state";
        let failed = obs.metrics[TASK_TRANSITIONS]
            .iter()
            .find(|s| s.attribute(previous).as_deref() == Some("running"))
            .unwrap();
        assert_eq!(failed.attribute(STATE).as_deref(), Some("failed"));
        assert_eq!(failed.value, 1.0);
        assert_eq!(
            value(&obs, TASK_STATE_DURATION, "0", Some((STATE, "failed"))),
            Some(0.0)
        );
        assert_eq!(value(&obs, TASK_STATE_DURATION, "0", Some((STATE, "running"))), None);
        collect(&mut l, &[("c", "0", "running")], &[], t0 + Duration::from_secs(90));
        let obs = collect(&mut l, &[("c", "0", "failed")], &[], t0 + Duration::from_secs(120));
        let pairs: Vec<_> = obs.metrics[TASK_TRANSITIONS]
            .iter()
            .map(|s| {
                (
                    s.attribute(previous).unwrap().to_string(),
                    s.attribute(STATE).unwrap().to_string(),
                    s.value,
                )
            })
            .collect();
        assert_eq!(
            pairs,
            [
                ("running".into(), "failed".into(), 2.0),
                ("failed".into(), "running".into(), 1.0)
            ]
        );
    }

    #[test]
    fn a_restart_resets_time_in_state_to_the_start() {
        let mut l = Lifecycle::default();
        let t0 = Instant::now();
        collect(&mut l, &[("c", "0", "running")], &[], t0);
        let wall = SystemTime::now();
        let mut s = start("c", "0", 1);
        // Started 10 s before this collection.
        s.last_unix_ms = wall.duration_since(UNIX_EPOCH).unwrap().as_millis() as i64 - 10_000;
        let mut obs = tasks(&[("c", "0", "running")]);
        l.observe(&mut obs, &[s], true, t0 + Duration::from_secs(60), wall);
        assert_eq!(
            value(&obs, TASK_STATE_DURATION, "0", Some((STATE, "running"))),
            Some(10.0)
        );
    }

    #[test]
    fn without_registration_notifications_no_restart_series_is_made() {
        let mut l = Lifecycle::default();
        let mut obs = tasks(&[("c", "0", "running")]);
        l.observe(&mut obs, &[], false, Instant::now(), SystemTime::now());
        assert!(!obs.metrics.contains_key(TASK_RESTARTS));
        assert!(obs.metrics.contains_key(TASK_STATE_DURATION));
    }
}
