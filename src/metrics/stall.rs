//! Stalled-task detection over successive collections.
//!
//! The rule: a task is *stalled* when it is RUNNING, has work waiting, and none of its progress counters
//! moved in the last `intervals` collections.
//! - work waiting: a source task holds polled records not yet acknowledged by Kafka
//!   (`source-record-active-count` > 0); a sink task holds records read but not yet committed
//!   (`sink-record-active-count` > 0), or its consumer reports lag (`records-lag-max` > 0);
//! - progress: a source's polls or writes; a sink's reads, sends or offset commits (completed or skipped).
//!
//! So an idle source (nothing to read, nothing in flight) is never stalled, and a sink waiting on a
//! destination that does not answer is. Limits: a source blocked inside `poll()` holds no records and is not
//! seen; an idle sink keeps its last records "active" until the next offset commit, so the window
//! (`intervals` × the export interval) must be longer than the worker's `offset.flush.interval.ms`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::collect::rules::{CONNECTOR, TASK};
use crate::metrics::series::{Observations, Series, SharedAttributes};

pub const STALLED: &str = "kafka.connect.task.stalled";
pub const SINCE_PROGRESS: &str = "kafka.connect.task.time_since_progress";

const HEALTH: &str = "kafka.connect.task.health";
const PROGRESS: &[&str] = &[
    "kafka.connect.source.source_record_poll_total",
    "kafka.connect.source.source_record_write_total",
    "kafka.connect.sink.sink_record_read_total",
    "kafka.connect.sink.sink_record_send_total",
    "kafka.connect.sink.offset_commit_completion_total",
    "kafka.connect.sink.offset_commit_skip_total",
    "kafka.connect.sink.offset_commit_seq_no",
];
const WAITING: &[&str] = &[
    "kafka.connect.source.source_record_active_count",
    "kafka.connect.sink.sink_record_active_count",
    "kafka.connect.consumer.records_lag_max",
];

/// A task's connector and task id, borrowed from a series' attributes.
type TaskKey<'a> = (Cow<'a, str>, Cow<'a, str>);

/// One value per [`PROGRESS`] metric (NaN where the task has none).
type Counters = [f64; PROGRESS.len()];

/// A task with no progress counter and no work waiting.
const NOTHING_FOUND: (Counters, bool) = ([f64::NAN; PROGRESS.len()], false);

struct Progress {
    counters: Counters,
    since: Instant,
    unchanged: u32,
}

pub struct StallWatch {
    intervals: u32,
    /// By `<connector>` NUL `<task>`: one `String` key, so that a task already known is found without
    /// allocating (a pair of `String`s per series was a third of the detection's time at 1,000 tasks).
    tasks: HashMap<String, Progress>,
}

fn task_key(s: &Series) -> Option<TaskKey<'_>> {
    Some((s.attribute(CONNECTOR)?, s.attribute(TASK)?))
}

impl StallWatch {
    pub fn new(intervals: u32) -> StallWatch {
        StallWatch {
            intervals: intervals.max(1),
            tasks: HashMap::new(),
        }
    }

    /// Compares this collection with the previous ones and adds the stall metrics for every running task.
    pub fn observe(&mut self, obs: &mut Observations, now: Instant) {
        // Per task: this collection's progress counters, and whether work is waiting.
        let mut found: HashMap<TaskKey<'_>, (Counters, bool)> = HashMap::new();
        for (i, name) in PROGRESS.iter().enumerate() {
            for s in obs.metrics.get(name).into_iter().flatten() {
                if let Some(key) = task_key(s) {
                    found.entry(key).or_insert(NOTHING_FOUND).0[i] = s.value;
                }
            }
        }
        for name in WAITING {
            for s in obs.metrics.get(name).into_iter().flatten() {
                if let Some(key) = task_key(s) {
                    found.entry(key).or_insert(NOTHING_FOUND).1 |= s.value > 0.0;
                }
            }
        }
        // The stall series carry the health series' attributes.
        let mut stall_series = Vec::new();
        let mut seen = HashMap::with_capacity(self.tasks.len());
        let mut key_text = String::new();
        for health in obs.metrics.get(HEALTH).into_iter().flatten() {
            let Some(key) = task_key(health).filter(|_| health.value == 1.0) else {
                continue;
            };
            let (current, waiting) = found.get(&key).copied().unwrap_or(NOTHING_FOUND);
            key_text.clear();
            key_text.extend([&*key.0, "\0", &*key.1]);
            let fresh = Progress {
                counters: current,
                since: now,
                unchanged: 0,
            };
            let (name, p) = match self.tasks.remove_entry(key_text.as_str()) {
                // NaN != NaN: compare bit patterns so that a counter never read does not count as movement.
                Some((name, mut p)) if same(&p.counters, &current) => {
                    p.unchanged = p.unchanged.saturating_add(1);
                    (name, p)
                }
                Some((name, _)) => (name, fresh),
                None => (key_text.clone(), fresh),
            };
            let stalled = p.unchanged >= self.intervals && waiting;
            let since = now.saturating_duration_since(p.since);
            stall_series.push((Arc::clone(&health.shared), stalled, since));
            seen.insert(name, p);
        }
        for (attrs, stalled, since) in stall_series {
            obs.metrics
                .entry(STALLED)
                .or_default()
                .push(series(&attrs, if stalled { 1.0 } else { 0.0 }));
            obs.metrics
                .entry(SINCE_PROGRESS)
                .or_default()
                .push(series(&attrs, round_seconds(since)));
        }
        // Tasks no longer running start afresh when they run again.
        self.tasks = seen;
    }
}

fn same(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

fn round_seconds(d: Duration) -> f64 {
    (d.as_secs_f64() * 10.0).round() / 10.0
}

fn series(shared: &Arc<SharedAttributes>, value: f64) -> Series {
    Series {
        shared: Arc::clone(shared),
        own: None,
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::KeyValue;

    fn task(connector: &str) -> Vec<KeyValue> {
        vec![
            KeyValue::new(CONNECTOR, connector.to_string()),
            KeyValue::new(TASK, "0"),
        ]
    }

    fn obs(connector: &str, health: f64, values: &[(&'static str, f64)]) -> Observations {
        let mut o = Observations::default();
        o.push_alone(HEALTH, task(connector), health);
        for (name, v) in values {
            o.push_alone(name, task(connector), *v);
        }
        o
    }

    fn value(o: &Observations, name: &str) -> f64 {
        o.metrics[name][0].value
    }

    const READ: &str = "kafka.connect.sink.sink_record_read_total";
    const ACTIVE: &str = "kafka.connect.sink.sink_record_active_count";
    const POLLS: &str = "kafka.connect.source.source_record_poll_total";
    const SOURCE_ACTIVE: &str = "kafka.connect.source.source_record_active_count";

    #[test]
    fn a_sink_with_records_waiting_and_no_progress_is_stalled_after_the_window() {
        let mut w = StallWatch::new(3);
        let t0 = Instant::now();
        let mut flags = Vec::new();
        for i in 0..5u64 {
            let mut o = obs("s", 1.0, &[(READ, 10.0), (ACTIVE, 10.0)]);
            w.observe(&mut o, t0 + Duration::from_secs(10 * i));
            flags.push(value(&o, STALLED));
            if i == 4 {
                assert_eq!(value(&o, SINCE_PROGRESS), 40.0);
            }
        }
        assert_eq!(flags, vec![0.0, 0.0, 0.0, 1.0, 1.0]);
        // The stall series carry the task's attributes: those of its health series.
        let mut o = obs("s", 1.0, &[(READ, 10.0), (ACTIVE, 10.0)]);
        w.observe(&mut o, t0 + Duration::from_secs(45));
        for name in [STALLED, SINCE_PROGRESS] {
            assert!(Arc::ptr_eq(&o.metrics[name][0].shared, &o.metrics[HEALTH][0].shared));
        }
        // Progress again: no longer stalled, the clock restarts.
        let mut o = obs("s", 1.0, &[(READ, 11.0), (ACTIVE, 10.0)]);
        w.observe(&mut o, t0 + Duration::from_secs(50));
        assert_eq!((value(&o, STALLED), value(&o, SINCE_PROGRESS)), (0.0, 0.0));
    }

    #[test]
    fn an_idle_source_is_not_stalled() {
        let mut w = StallWatch::new(2);
        let t0 = Instant::now();
        for i in 0..6u64 {
            let mut o = obs("src", 1.0, &[(POLLS, 20.0), (SOURCE_ACTIVE, 0.0)]);
            w.observe(&mut o, t0 + Duration::from_secs(i));
            assert_eq!(value(&o, STALLED), 0.0);
        }
    }

    #[test]
    fn a_source_holding_unacknowledged_records_without_progress_is_stalled() {
        let mut w = StallWatch::new(2);
        let t0 = Instant::now();
        let mut last = 0.0;
        for i in 0..3u64 {
            let mut o = obs("src", 1.0, &[(POLLS, 20.0), (SOURCE_ACTIVE, 5.0)]);
            w.observe(&mut o, t0 + Duration::from_secs(i));
            last = value(&o, STALLED);
        }
        assert_eq!(last, 1.0);
    }

    #[test]
    fn a_task_that_is_not_running_gets_no_stall_series_and_starts_afresh() {
        let mut w = StallWatch::new(1);
        let t0 = Instant::now();
        let mut o = obs("s", 1.0, &[(READ, 1.0), (ACTIVE, 1.0)]);
        w.observe(&mut o, t0);
        let mut o = obs("s", 0.0, &[(READ, 1.0), (ACTIVE, 1.0)]);
        w.observe(&mut o, t0 + Duration::from_secs(1));
        assert!(!o.metrics.contains_key(STALLED));
        let mut o = obs("s", 1.0, &[(READ, 1.0), (ACTIVE, 1.0)]);
        w.observe(&mut o, t0 + Duration::from_secs(2));
        assert_eq!((value(&o, STALLED), value(&o, SINCE_PROGRESS)), (0.0, 0.0));
    }

    #[test]
    fn consumer_lag_counts_as_work_waiting() {
        let mut w = StallWatch::new(1);
        let t0 = Instant::now();
        let lag = "kafka.connect.consumer.records_lag_max";
        let mut last = 0.0;
        for i in 0..2u64 {
            let mut o = obs("s", 1.0, &[(READ, 5.0), (ACTIVE, 0.0), (lag, 100.0)]);
            w.observe(&mut o, t0 + Duration::from_secs(i));
            last = value(&o, STALLED);
        }
        assert_eq!(last, 1.0);
    }
}
