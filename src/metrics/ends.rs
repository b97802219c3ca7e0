//! Which series of the last export this one lacks: they get one last point flagged "no recorded value", which
//! Prometheus stores as a staleness marker, so that a deleted or moved task stops showing at once instead of
//! for the 5-minute lookback.
//!
//! Why it is cheap: a metric's series come in the same order with the same shared attributes (the mapping
//! keeps each MBean's `Arc`) from one collection to the next, so comparing the two lists pairwise by pointer
//! settles nearly every metric. A metric whose list changed is compared by pointer through a hash set; only
//! series whose attributes were rebuilt (a restarted task's new MBean) are compared by content. What is kept
//! between collections is two words per series: the last export's whole `Observations` would be ~5 MB at
//! 1,000 tasks.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use opentelemetry::KeyValue;

use super::kept::AddressHasher;
use super::series::{Observations, Series, SharedAttributes};

/// What identifies a series of the last export, and what its last point needs.
struct LastSeries {
    shared: Arc<SharedAttributes>,
    own: Option<Box<KeyValue>>,
}

impl LastSeries {
    fn of(s: &Series) -> LastSeries {
        LastSeries {
            shared: Arc::clone(&s.shared),
            own: s.own.clone().map(Box::new),
        }
    }

    /// The same object (the usual case), without reading its content.
    fn is(&self, s: &Series) -> bool {
        Arc::ptr_eq(&self.shared, &s.shared) && self.own.as_deref() == s.own.as_ref()
    }

    fn ended(&self) -> Series {
        Series {
            shared: Arc::clone(&self.shared),
            own: self.own.as_deref().cloned(),
            value: f64::NAN,
        }
    }
}

/// A series' own attribute as text.
type Own<'a> = Option<(&'a str, Cow<'a, str>)>;

fn own_text(own: Option<&KeyValue>) -> Own<'_> {
    own.map(|kv| (kv.key.as_str(), kv.value.as_str()))
}

/// A series by object: the address of its shared attributes (held by the last export, so not reused while
/// it is compared) and its own attribute.
fn object<'a>(shared: &Arc<SharedAttributes>, own: Option<&'a KeyValue>) -> (usize, Own<'a>) {
    (Arc::as_ptr(shared) as usize, own_text(own))
}

/// A series by content: its shared attributes as encoded, and its own attribute.
fn content<'a>(shared: &'a SharedAttributes, own: Option<&'a KeyValue>) -> (&'a [u8], Own<'a>) {
    (shared.encoded(), own_text(own))
}

type ByAddress = BuildHasherDefault<AddressHasher>;

/// The series of `last` that `now` lacks. Series are told apart by object first; a series of `last` whose
/// object is gone is looked for by content among the series of `now` that are new objects. (One export has
/// each series once, so a series found by neither way has ended.)
fn gone(last: &[LastSeries], now: &[Series]) -> Vec<Series> {
    let in_now: HashSet<_, ByAddress> = now.iter().map(|s| object(&s.shared, s.own.as_ref())).collect();
    let missed: Vec<&LastSeries> = last
        .iter()
        .filter(|k| !in_now.contains(&object(&k.shared, k.own.as_deref())))
        .collect();
    if missed.is_empty() {
        return Vec::new();
    }
    let in_last: HashSet<_, ByAddress> = last.iter().map(|k| object(&k.shared, k.own.as_deref())).collect();
    let rebuilt: HashSet<_> = now
        .iter()
        .filter(|s| !in_last.contains(&object(&s.shared, s.own.as_ref())))
        .map(|s| content(&s.shared, s.own.as_ref()))
        .collect();
    missed
        .into_iter()
        .filter(|k| !rebuilt.contains(&content(&k.shared, k.own.as_deref())))
        .map(LastSeries::ended)
        .collect()
}

/// The series of the last export, by metric name.
#[derive(Default)]
pub struct SeriesEnds {
    last: HashMap<&'static str, Vec<LastSeries>>,
}

impl SeriesEnds {
    /// The series of the last export that `current` lacks (values unset), and `current` becomes the last
    /// export.
    pub fn next(&mut self, current: &Observations) -> Observations {
        let mut ended = Observations::default();
        self.last.retain(|name, last| {
            let now = current.metrics.get(name).map(Vec::as_slice).unwrap_or_default();
            if last.len() == now.len() && last.iter().zip(now).all(|(k, s)| k.is(s)) {
                return true;
            }
            let gone = gone(last, now);
            if !gone.is_empty() {
                ended.metrics.insert(name, gone);
            }
            if now.is_empty() {
                return false;
            }
            last.clear();
            last.extend(now.iter().map(LastSeries::of));
            true
        });
        for (name, now) in &current.metrics {
            if !now.is_empty() && !self.last.contains_key(name) {
                self.last.insert(name, now.iter().map(LastSeries::of).collect());
            }
        }
        ended
    }

    /// Every series of the last export (values unset), for the final export: after it, nothing is exported.
    pub fn all(&mut self) -> Observations {
        let mut ended = Observations::default();
        for (name, last) in self.last.drain() {
            ended.metrics.insert(name, last.iter().map(LastSeries::ended).collect());
        }
        ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(o: &Observations) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = o
            .metrics
            .iter()
            .map(|(name, series)| {
                let mut ids: Vec<String> = series
                    .iter()
                    .map(|s| {
                        s.attributes()
                            .map(|kv| format!("{}={}", kv.key, kv.value))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .collect();
                ids.sort();
                (name.to_string(), ids)
            })
            .collect();
        out.sort();
        out
    }

    fn task(id: &str) -> Arc<SharedAttributes> {
        SharedAttributes::new(vec![
            KeyValue::new("kafka.connect.connector", "orders"),
            KeyValue::new("kafka.connect.task.id", id.to_string()),
        ])
    }

    fn on(shared: &Arc<SharedAttributes>, own: Option<(&'static str, &'static str)>, value: f64) -> Series {
        Series {
            shared: Arc::clone(shared),
            own: own.map(|(k, v)| KeyValue::new(k, v)),
            value,
        }
    }

    const HEALTH: &str = "kafka.connect.task.health";
    const STATUS: &str = "kafka.connect.connector.task.status";

    fn collection(tasks: &[&Arc<SharedAttributes>]) -> Observations {
        let mut o = Observations::default();
        for t in tasks {
            o.metrics.entry(HEALTH).or_default().push(on(t, None, 1.0));
            for state in ["running", "failed"] {
                o.metrics
                    .entry(STATUS)
                    .or_default()
                    .push(on(t, Some(("kafka.connect.task.state", state)), 0.0));
            }
        }
        o
    }

    #[test]
    fn a_series_gone_since_the_last_export_ends_once() {
        let (t0, t1) = (task("0"), task("1"));
        let mut ends = SeriesEnds::default();
        assert!(ends.next(&collection(&[&t0, &t1])).metrics.is_empty(), "nothing before");
        assert!(ends.next(&collection(&[&t0, &t1])).metrics.is_empty(), "nothing gone");
        let ended = ends.next(&collection(&[&t0]));
        let t1_ids = |states: &[&str]| -> Vec<String> {
            states
                .iter()
                .map(|s| format!("kafka.connect.connector=orders,kafka.connect.task.id=1{s}"))
                .collect()
        };
        assert_eq!(
            names(&ended),
            vec![
                (
                    STATUS.to_string(),
                    t1_ids(&[",kafka.connect.task.state=failed", ",kafka.connect.task.state=running"])
                ),
                (HEALTH.to_string(), t1_ids(&[""])),
            ]
        );
        assert!(ended.metrics.values().flatten().all(|s| s.value.is_nan()));
        assert!(
            ends.next(&collection(&[&t0])).metrics.is_empty(),
            "one last point, not one per export"
        );
    }

    #[test]
    fn a_series_rebuilt_with_the_same_attributes_has_not_ended() {
        // A task restarted: its MBean is new, so are its shared attributes, but the series are the same.
        let mut ends = SeriesEnds::default();
        ends.next(&collection(&[&task("0"), &task("1")]));
        // In another order, too.
        assert!(ends.next(&collection(&[&task("1"), &task("0")])).metrics.is_empty());
        // A state series replaced by another of the same MBean (an unknown state) ends; its siblings do not.
        let t = task("0");
        let mut o = Observations::default();
        o.metrics
            .insert(STATUS, vec![on(&t, Some(("kafka.connect.task.state", "weird")), 1.0)]);
        ends.next(&o);
        o.metrics
            .insert(STATUS, vec![on(&t, Some(("kafka.connect.task.state", "running")), 1.0)]);
        assert_eq!(
            names(&ends.next(&o)),
            vec![(
                STATUS.to_string(),
                vec![
                    "kafka.connect.connector=orders,kafka.connect.task.id=0,kafka.connect.task.state=weird".to_string()
                ]
            )]
        );
    }

    #[test]
    fn a_metric_gone_entirely_ends_and_a_new_one_is_kept() {
        let t0 = task("0");
        let mut ends = SeriesEnds::default();
        ends.next(&collection(&[&t0]));
        let mut only_new = Observations::default();
        only_new.push_alone("connect_otel.series", vec![], 3.0);
        let ended = ends.next(&only_new);
        assert_eq!(ended.series_count(), 3, "health and two states of task 0");
        assert!(ends.next(&only_new).metrics.is_empty());
        let all = ends.all();
        assert_eq!(
            names(&all),
            vec![("connect_otel.series".to_string(), vec![String::new()])]
        );
        assert!(ends.all().metrics.is_empty(), "ended once");
    }

    /// The cost at the scale of 1,000 tasks (64,000 series): `cargo test --release --lib ends_cost -- --ignored
    /// --nocapture`. Prints medians of encoding alone (as before ends existed), of finding no end plus
    /// encoding, and of a collection that lost one task (every metric compared by content).
    #[test]
    #[ignore]
    fn ends_cost_at_64000_series() {
        use crate::collect::rules::metric_defs;
        use crate::metrics::encode::Encoder;
        use std::time::{Instant, UNIX_EPOCH};
        let names: Vec<&'static str> = metric_defs()
            .into_iter()
            .filter(|d| d.name.starts_with("kafka.connect.") && !d.name.ends_with("info"))
            .map(|d| d.name)
            .take(64)
            .collect();
        assert_eq!(names.len(), 64);
        let tasks: Vec<Arc<SharedAttributes>> = (0..1000)
            .map(|t| {
                SharedAttributes::new(vec![
                    KeyValue::new("kafka.connect.connector", format!("connector-{}", t / 4)),
                    KeyValue::new("kafka.connect.task.id", (t % 4).to_string()),
                    KeyValue::new("kafka.connect.connector.type", "sink"),
                ])
            })
            .collect();
        let collection = |skip: Option<usize>| {
            let mut o = Observations::default();
            for name in &names {
                o.metrics.insert(
                    name,
                    tasks
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| Some(*i) != skip)
                        .map(|(i, t)| on(t, None, i as f64))
                        .collect(),
                );
            }
            o
        };
        let full = collection(None);
        let less = collection(Some(500));
        assert_eq!(full.series_count(), 64_000);
        let encoder = Encoder::new(&[KeyValue::new("service.name", "kafka-connect")], UNIX_EPOCH);
        let timed = |f: &mut dyn FnMut()| {
            let begun = Instant::now();
            f();
            begun.elapsed().as_secs_f64() * 1e3
        };
        let mut ends = SeriesEnds::default();
        ends.next(&full);
        // Interleaved, so that the machine's load weighs on each variant alike: [encode alone, ends found
        // (none), encode with no end, a task gone (ends found, encode), the task back (the same)].
        let mut rounds: Vec<[f64; 5]> = Vec::new();
        for _ in 0..41 {
            let mut r = [0.0; 5];
            let mut bytes = 0;
            r[0] = timed(&mut || encoder.encode_each(&full, UNIX_EPOCH, |b| bytes += b.len()));
            let mut ended = Observations::default();
            r[1] = timed(&mut || ended = ends.next(&full));
            assert!(ended.metrics.is_empty());
            r[2] = timed(&mut || encoder.encode_with_ended(&full, &ended, UNIX_EPOCH, |b| bytes += b.len()));
            // A task goes, then comes back: every metric's list changed, each time.
            for (i, now, gone) in [(3, &less, 64), (4, &full, 0)] {
                r[i] = timed(&mut || {
                    let ended = ends.next(now);
                    assert_eq!(ended.series_count(), gone);
                    encoder.encode_with_ended(now, &ended, UNIX_EPOCH, |b| bytes += b.len());
                });
            }
            std::hint::black_box(bytes);
            rounds.push(r);
        }
        let median = |i: usize| {
            let mut v: Vec<f64> = rounds.iter().map(|r| r[i]).collect();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v[v.len() / 2]
        };
        let (encode_only, steady_ends, steady_encode) = (median(0), median(1), median(2));
        let (task_gone, task_back) = (median(3), median(4));
        eprintln!(
            "64,000 series, medians of 41 interleaved rounds: encode alone {encode_only:.2} ms; finding no end \
             {steady_ends:.2} ms, then encode {steady_encode:.2} ms; a task gone (ends found, encode) \
             {task_gone:.2} ms, back {task_back:.2} ms"
        );
    }
}
