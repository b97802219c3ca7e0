//! Snapshot → series: applies the rule table to what was read, and nothing else.
//!
//! Pure and JVM-free so that every rule (units, percent, states, health, attribution of tasks and clients,
//! NaN/Infinity skipping) is unit-tested here.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::sync::Arc;
use std::time::Instant;

use opentelemetry::{KeyValue, Value as OtelValue};

use super::census::{census_inputs, Census, CensusInput};
use super::kept::{Kept, Labels};
use super::series::{text, Observations, Series};
use crate::collect::rules::{Kind, Metric, GROUPS};
use crate::collect::snapshot::{MBeanSample, Snapshot, Value};
use crate::diag::explain::{Event, Explainer};

/// Attribute names are mostly the rule table's own strings: those need no copy. (The `Cow` is what says
/// whether a name is one of them, so clippy's `&str` would lose it.)
#[allow(clippy::ptr_arg)]
fn name_value(name: &Cow<'static, str>) -> OtelValue {
    match name {
        Cow::Borrowed(s) => OtelValue::from(*s),
        Cow::Owned(s) => text(s.as_str()),
    }
}

fn number(value: &Value, rule: &Metric) -> Option<f64> {
    match (value, rule.item) {
        (Value::Number(n), None) => Some(*n),
        (Value::Bool(b), None) => Some(if *b { 1.0 } else { 0.0 }),
        (Value::Composite(items), Some(item)) => items.iter().find(|(k, _)| k == item).map(|(_, v)| *v),
        _ => None,
    }
}

fn text_of(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::Text(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) if n.is_finite() => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Owned(b.to_string())),
        _ => None,
    }
}

/// Whether `attribute` of the MBean is a number and 0. Looked up only for a percentage that is 0 itself.
fn is_zero(sample: &MBeanSample, attribute: &str) -> bool {
    sample
        .values
        .iter()
        .find(|(name, _)| name.as_ref() == attribute)
        .is_some_and(|(_, v)| matches!(v, Value::Number(n) if *n == 0.0))
}

/// Maps one MBean: its series go into `buckets`, one per rule of its group.
fn map_mbean(
    sample: &MBeanSample,
    census: &Census,
    kept: &mut Kept,
    buckets: &mut [Vec<Series>],
    out: &mut Observations,
    explain: &mut Explainer,
) {
    let group = &GROUPS[sample.group];
    let mut values = sample.in_rule_order();
    let mut labels: Labels<'_> = Vec::new();
    for rule in group.metrics {
        // The kind first: formatting every attribute as text to find the labels was a tenth of the mapping.
        if let Kind::Label { label } = rule.kind {
            if let Some(v) = values.get(rule.attribute).and_then(text_of) {
                labels.push((label, Cow::Owned(v.to_ascii_lowercase())));
            }
        }
    }
    let Some((shared, task_type)) = kept.shared(sample, census, labels) else {
        out.unattributed += 1;
        explain.note(Event::Unattributed, sample.group, 1, || {
            format!(
                "{}: no connector or task of this worker to attribute it to, left out",
                sample.name
            )
        });
        return;
    };
    let series = |own: Option<KeyValue>, value: f64| Series {
        shared: Arc::clone(&shared),
        own,
        value,
    };
    let mut values = sample.in_rule_order();
    let mut info_labels: Vec<(&'static str, Cow<'_, str>)> = Vec::new();
    for (rule, bucket) in group.metrics.iter().zip(buckets.iter_mut()) {
        if let Some(wanted) = rule.task_type {
            if task_type != Some(wanted) {
                continue;
            }
        }
        if let Kind::AllNumeric { label } = rule.kind {
            for (attr, v) in &sample.values {
                if let Value::Number(n) = v {
                    if n.is_finite() {
                        bucket.push(series(Some(KeyValue::new(label, name_value(attr))), *n));
                    } else {
                        out.skipped_non_finite += 1;
                        explain.note(Event::NonFinite, sample.group, 1, || {
                            format!("{}: attribute {attr} is {n}, left out", sample.name)
                        });
                    }
                }
            }
            continue;
        }
        let Some(value) = values.get(rule.attribute) else {
            continue;
        };
        match rule.kind {
            Kind::Counter | Kind::Gauge | Kind::UpDown => {
                let Some(n) = number(value, rule) else { continue };
                if !n.is_finite() {
                    out.skipped_non_finite += 1;
                    explain.note(Event::NonFinite, sample.group, 1, || {
                        format!("{}: attribute {} is {n}, left out", sample.name, rule.attribute)
                    });
                    continue;
                }
                if rule.skip_negative && n < 0.0 {
                    continue;
                }
                if n == 0.0 && rule.complement.is_some_and(|other| is_zero(sample, other)) {
                    out.skipped_no_samples += 1;
                    explain.note(Event::NoSamples, sample.group, 1, || {
                        format!(
                            "{}: attributes {} and {} are both 0 (no sample in Kafka's window), left out",
                            sample.name,
                            rule.attribute,
                            rule.complement.unwrap_or_default()
                        )
                    });
                    continue;
                }
                bucket.push(series(None, rule.scale.apply(n)));
            }
            Kind::State { label, states } => {
                let Some(current) = text_of(value) else {
                    continue;
                };
                let mut known = false;
                for state in states.iter() {
                    let on = state.eq_ignore_ascii_case(&current);
                    known |= on;
                    bucket.push(series(Some(KeyValue::new(label, *state)), if on { 1.0 } else { 0.0 }));
                }
                if !known {
                    let own = KeyValue::new(label, text(current.to_ascii_lowercase()));
                    bucket.push(series(Some(own), 1.0));
                }
            }
            Kind::Health => {
                let Some(current) = text_of(value) else { continue };
                let running = current.eq_ignore_ascii_case("running");
                bucket.push(series(None, if running { 1.0 } else { 0.0 }));
            }
            Kind::Info { label } => {
                if let Some(v) = text_of(value) {
                    info_labels.push((label, v));
                }
            }
            Kind::Label { .. } | Kind::TaskType | Kind::AllNumeric { .. } => {}
        }
    }
    if group.info_metric.is_some() && !info_labels.is_empty() {
        let info = kept.info(&sample.name, &shared, info_labels);
        buckets[group.metrics.len()].push(Series {
            shared: info,
            own: None,
            value: 1.0,
        });
    }
}

/// Applies the rules to snapshots, one collection after another.
#[derive(Default)]
pub struct Mapper {
    kept: Kept,
    census: Census,
    /// What `census` was taken from.
    census_inputs: Vec<CensusInput>,
    /// Says now and then what was left out, and why.
    explain: Explainer,
}

impl Mapper {
    pub fn map(&mut self, snapshot: &Snapshot) -> Observations {
        self.kept.cycle += 1;
        let inputs = census_inputs(snapshot);
        if inputs != self.census_inputs {
            self.census = Census::take(&inputs);
            self.census_inputs = inputs;
            self.kept.census += 1;
        }
        self.explain.begin(Instant::now());
        let observations = map_with(snapshot, &self.census, &mut self.kept, &mut self.explain);
        // MBeans gone (or left out) this time.
        let cycle = self.kept.cycle;
        self.kept.by_name.retain(|_, k| k.seen == cycle);
        observations
    }
}

/// Applies the rules to one snapshot, with nothing kept from before.
#[cfg(test)]
pub fn map(snapshot: &Snapshot) -> Observations {
    Mapper::default().map(snapshot)
}

fn map_with(snapshot: &Snapshot, census: &Census, kept: &mut Kept, explain: &mut Explainer) -> Observations {
    let mut out = Observations::default();
    // Per group, per rule: hashing the metric name once per rule instead of once per series.
    // The last one of a group is its info metric's.
    let last = &kept.bucket_lens;
    let mut buckets: Vec<Vec<Vec<Series>>> = GROUPS
        .iter()
        .enumerate()
        .map(|(g, group)| {
            (0..=group.metrics.len())
                .map(|r| Vec::with_capacity(last.get(g).and_then(|lens| lens.get(r)).copied().unwrap_or(0)))
                .collect()
        })
        .collect();
    for sample in &snapshot.mbeans {
        map_mbean(sample, census, kept, &mut buckets[sample.group], &mut out, explain);
    }
    kept.bucket_lens = buckets
        .iter()
        .map(|rules| rules.iter().map(Vec::len).collect())
        .collect();
    for (group, rules) in GROUPS.iter().zip(buckets) {
        let names = group.metrics.iter().map(|r| r.name).chain(group.info_metric);
        for (name, series) in names.zip(rules) {
            if series.is_empty() {
                continue;
            }
            match out.metrics.entry(name) {
                Entry::Occupied(mut e) => e.get_mut().extend(series),
                Entry::Vacant(e) => {
                    e.insert(series);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::objectname::ObjectName;
    use crate::collect::rules::{CLIENT_ROLE, CONNECTOR, CONNECTOR_TYPE, TASK};

    fn sample(name: &str, values: &[(&str, Value)]) -> MBeanSample {
        let name = ObjectName::parse(name).unwrap();
        let t = name.get("type").unwrap().to_string();
        let group = GROUPS
            .iter()
            .position(|g| {
                g.domain == name.domain
                    && g.object_type == t
                    && (g.other_keys || g.keys.len() + 1 == name.properties.len())
            })
            .unwrap();
        MBeanSample {
            name: Arc::new(name),
            group,
            values: values.iter().map(|(a, v)| (a.to_string().into(), v.clone())).collect(),
        }
    }

    fn n(v: f64) -> Value {
        Value::Number(v)
    }
    fn s(v: &str) -> Value {
        Value::Text(v.into())
    }

    fn find<'a>(o: &'a Observations, metric: &str, attrs: &[(&str, &str)]) -> Vec<&'a Series> {
        o.metrics
            .get(metric)
            .map(|v| {
                v.iter()
                    .filter(|s| {
                        attrs.iter().all(|(k, val)| {
                            s.attributes()
                                .any(|kv| kv.key.as_str() == *k && kv.value.as_str() == *val)
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn one(o: &Observations, metric: &str, attrs: &[(&str, &str)]) -> f64 {
        let found = find(o, metric, attrs);
        assert_eq!(found.len(), 1, "{metric} {attrs:?}: {:?}", o.metrics.get(metric));
        found[0].value
    }

    fn snap(mbeans: Vec<MBeanSample>) -> Snapshot {
        Snapshot {
            mbeans,
            ..Default::default()
        }
    }

    #[test]
    fn worker_gauges_counters_and_percent() {
        let o = map(&snap(vec![sample(
            "kafka.connect:type=connect-worker-metrics",
            &[
                ("connector-count", n(3.0)),
                ("task-startup-success-total", n(7.0)),
                ("task-startup-success-percentage", n(0.875)),
            ],
        )]));
        assert_eq!(one(&o, "kafka.connect.worker.connector_count", &[]), 3.0);
        assert_eq!(one(&o, "kafka.connect.worker.task_startup_success_total", &[]), 7.0);
        assert_eq!(
            one(&o, "kafka.connect.worker.task_startup_success_percentage", &[]),
            87.5
        );
        assert_eq!(
            o.metrics["kafka.connect.worker.connector_count"][0]
                .attributes()
                .count(),
            0
        );
    }

    #[test]
    fn nan_and_infinity_are_skipped_and_counted() {
        let o = map(&snap(vec![sample(
            "kafka.connect:type=connect-worker-rebalance-metrics",
            &[
                ("rebalance-avg-time-ms", n(f64::NAN)),
                ("time-since-last-rebalance-ms", n(f64::INFINITY)),
                ("rebalance-max-time-ms", n(f64::NEG_INFINITY)),
                ("completed-rebalances-total", n(2.0)),
                ("rebalancing", n(0.0)),
            ],
        )]));
        assert!(!o.metrics.contains_key("kafka.connect.worker.rebalance_avg_time_ms"));
        assert!(!o
            .metrics
            .contains_key("kafka.connect.worker.time_since_last_rebalance_ms"));
        assert_eq!(o.skipped_non_finite, 3);
        assert_eq!(one(&o, "kafka.connect.worker.rebalance_completed_total", &[]), 2.0);
        assert_eq!(one(&o, "kafka.connect.worker.rebalancing", &[]), 0.0);
    }

    #[test]
    fn connector_status_becomes_state_series_health_and_info() {
        let o = map(&snap(vec![sample(
            r#"kafka.connect:type=connector-metrics,connector="odd:name""#,
            &[
                ("status", s("failed")),
                ("connector-class", s("org.example.Sink")),
                ("connector-type", s("sink")),
                ("connector-version", s("1.2")),
            ],
        )]));
        let c = [(CONNECTOR, "odd:name")];
        let states = find(&o, "kafka.connect.connector.status", &c);
        assert_eq!(states.len(), 7);
        assert_eq!(
            one(
                &o,
                "kafka.connect.connector.status",
                &[(CONNECTOR, "odd:name"), ("kafka.connect.connector.state", "failed")]
            ),
            1.0
        );
        assert_eq!(
            one(
                &o,
                "kafka.connect.connector.status",
                &[(CONNECTOR, "odd:name"), ("kafka.connect.connector.state", "running")]
            ),
            0.0
        );
        assert_eq!(one(&o, "kafka.connect.connector.health", &c), 0.0);
        assert_eq!(
            one(
                &o,
                "kafka.connect.connector.info",
                &[
                    (CONNECTOR, "odd:name"),
                    ("kafka.connect.connector.class", "org.example.Sink"),
                    ("kafka.connect.connector.type", "sink")
                ]
            ),
            1.0
        );
    }

    #[test]
    fn a_known_state_in_capitals_turns_on_its_lowercase_series() {
        let o = map(&snap(vec![sample(
            "kafka.connect:type=connector-task-metrics,connector=c,task=0",
            &[("status", s("RUNNING"))],
        )]));
        let status = "kafka.connect.connector.task.status";
        assert_eq!(find(&o, status, &[]).len(), 6, "the known states only");
        assert_eq!(one(&o, status, &[("kafka.connect.task.state", "running")]), 1.0);
        assert_eq!(one(&o, status, &[("kafka.connect.task.state", "failed")]), 0.0);
        assert_eq!(one(&o, "kafka.connect.task.health", &[]), 1.0);
    }

    #[test]
    fn unknown_state_is_kept_as_its_own_series() {
        let o = map(&snap(vec![sample(
            "kafka.connect:type=connector-task-metrics,connector=c,task=0",
            &[("status", s("SLEEPING"))],
        )]));
        assert_eq!(find(&o, "kafka.connect.connector.task.status", &[]).len(), 7);
        assert_eq!(
            one(
                &o,
                "kafka.connect.connector.task.status",
                &[("kafka.connect.task.state", "sleeping")]
            ),
            1.0
        );
        assert_eq!(one(&o, "kafka.connect.task.health", &[]), 0.0);
    }

    #[test]
    fn task_series_carry_connector_task_and_type_and_typed_offset_commits() {
        let o = map(&snap(vec![
            sample(
                "kafka.connect:type=connector-task-metrics,connector=orders,task=1",
                &[
                    ("status", s("running")),
                    ("offset-commit-success-percentage", n(0.5)),
                    ("offset-commit-avg-time-ms", n(12.0)),
                ],
            ),
            sample(
                "kafka.connect:type=sink-task-metrics,connector=orders,task=1",
                &[("sink-record-read-total", n(10.0)), ("partition-count", n(3.0))],
            ),
            sample(
                "kafka.connect:type=connector-task-metrics,connector=files,task=0",
                &[("status", s("running")), ("offset-commit-success-percentage", n(1.0))],
            ),
            sample(
                "kafka.connect:type=source-task-metrics,connector=files,task=0",
                &[("source-record-poll-total", n(4.0))],
            ),
        ]));
        let t = [(CONNECTOR, "orders"), (TASK, "1"), (CONNECTOR_TYPE, "sink")];
        assert_eq!(one(&o, "kafka.connect.task.health", &t), 1.0);
        assert_eq!(one(&o, "kafka.connect.sink.offset_commit_success_percentage", &t), 50.0);
        assert_eq!(one(&o, "kafka.connect.sink.offset_commit_avg_time_ms", &t), 12.0);
        assert_eq!(one(&o, "kafka.connect.sink.sink_record_read_total", &t), 10.0);
        assert_eq!(one(&o, "kafka.connect.sink.partition_count", &t), 3.0);
        assert_eq!(
            one(
                &o,
                "kafka.connect.source.offset_commit_success_percentage",
                &[(CONNECTOR, "files"), (CONNECTOR_TYPE, "source")]
            ),
            100.0
        );
        assert!(find(
            &o,
            "kafka.connect.sink.offset_commit_success_percentage",
            &[(CONNECTOR, "files")]
        )
        .is_empty());
    }

    #[test]
    fn a_percentage_pair_both_zero_had_no_samples_and_is_left_out() {
        let task = |name: &str, success: f64, failure: f64| {
            vec![
                sample(
                    &format!("kafka.connect:type=connector-task-metrics,connector={name},task=0"),
                    &[
                        ("status", s("running")),
                        ("offset-commit-success-percentage", n(success)),
                        ("offset-commit-failure-percentage", n(failure)),
                    ],
                ),
                sample(
                    &format!("kafka.connect:type=sink-task-metrics,connector={name},task=0"),
                    &[("sink-record-read-total", n(1.0))],
                ),
            ]
        };
        let mut mbeans = vec![sample(
            "kafka.connect:type=connect-worker-metrics",
            &[
                // No connector started yet: both 0. Tasks: one start, which failed.
                ("connector-startup-success-percentage", n(0.0)),
                ("connector-startup-failure-percentage", n(0.0)),
                ("task-startup-success-percentage", n(0.0)),
                ("task-startup-failure-percentage", n(1.0)),
            ],
        )];
        mbeans.extend(task("idle", 0.0, 0.0));
        mbeans.extend(task("failing", 0.0, 1.0));
        mbeans.extend(task("flaky", 0.25, 0.75));
        mbeans.extend(task("healthy", 1.0, 0.0));
        let o = map(&snap(mbeans));
        let sink = |what: &str, connector: &str| {
            find(
                &o,
                &format!("kafka.connect.sink.offset_commit_{what}_percentage"),
                &[(CONNECTOR, connector)],
            )
            .iter()
            .map(|s| s.value)
            .collect::<Vec<_>>()
        };
        assert_eq!((sink("success", "idle"), sink("failure", "idle")), (vec![], vec![]));
        assert_eq!(
            (sink("success", "failing"), sink("failure", "failing")),
            (vec![0.0], vec![100.0])
        );
        assert_eq!(
            (sink("success", "flaky"), sink("failure", "flaky")),
            (vec![25.0], vec![75.0])
        );
        assert_eq!(
            (sink("success", "healthy"), sink("failure", "healthy")),
            (vec![100.0], vec![0.0])
        );
        assert!(find(&o, "kafka.connect.worker.connector_startup_success_percentage", &[]).is_empty());
        assert!(find(&o, "kafka.connect.worker.connector_startup_failure_percentage", &[]).is_empty());
        assert_eq!(
            one(&o, "kafka.connect.worker.task_startup_success_percentage", &[]),
            0.0
        );
        assert_eq!(
            one(&o, "kafka.connect.worker.task_startup_failure_percentage", &[]),
            100.0
        );
        // The idle sink's two and the worker's connector-startup two; nothing counted as non-finite.
        assert_eq!((o.skipped_no_samples, o.skipped_non_finite), (4, 0));
        // A 0 without its complement read is a value: nothing tells it had no samples.
        let alone = map(&snap(vec![sample(
            "kafka.connect:type=connect-worker-metrics",
            &[("task-startup-success-percentage", n(0.0))],
        )]));
        assert_eq!(
            one(&alone, "kafka.connect.worker.task_startup_success_percentage", &[]),
            0.0
        );
        assert_eq!(alone.skipped_no_samples, 0);
    }

    #[test]
    fn kafka_41_task_connector_type_enum_and_info() {
        let o = map(&snap(vec![sample(
            "kafka.connect:type=connector-task-metrics,connector=c,task=2",
            &[
                ("status", s("running")),
                ("connector-type", s("SINK")),
                ("task-class", s("org.example.SinkTask")),
                ("offset-commit-max-time-ms", n(3.0)),
            ],
        )]));
        assert_eq!(
            one(
                &o,
                "kafka.connect.sink.offset_commit_max_time_ms",
                &[(CONNECTOR_TYPE, "sink")]
            ),
            3.0
        );
        assert_eq!(
            one(
                &o,
                "kafka.connect.connector.task.info",
                &[("kafka.connect.task.class", "org.example.SinkTask")]
            ),
            1.0
        );
    }

    #[test]
    fn an_mbean_keeps_its_attributes_between_collections_until_its_identity_changes() {
        let task = sample("kafka.connect:type=sink-task-metrics,connector=s,task=0", &[]);
        let client = |lag: f64| MBeanSample {
            values: vec![("records-lag-max".into(), n(lag))],
            ..sample(
                "kafka.consumer:type=consumer-fetch-manager-metrics,client-id=connector-consumer-s-0",
                &[],
            )
        };
        let first = client(1.0);
        let mut mapper = Mapper::default();
        let lag = |o: &Observations| o.metrics["kafka.connect.consumer.records_lag_max"][0].clone();

        let a = lag(&mapper.map(&snap(vec![task.clone(), first.clone()])));
        // The reader hands the same name again: the attributes are the ones built before, the value is new.
        let again = MBeanSample {
            values: vec![("records-lag-max".into(), n(2.0))],
            ..first.clone()
        };
        let b = lag(&mapper.map(&snap(vec![task.clone(), again.clone()])));
        assert!(Arc::ptr_eq(&a.shared, &b.shared));
        assert_eq!((a.value, b.value), (1.0, 2.0));
        assert_eq!(b.attribute(CONNECTOR_TYPE).as_deref(), Some("sink"));

        // The task's MBean is gone, so the census no longer knows the client's connector type: rebuilt.
        let c = lag(&mapper.map(&snap(vec![again.clone()])));
        assert!(!Arc::ptr_eq(&b.shared, &c.shared));
        assert_eq!(c.attribute(CONNECTOR_TYPE), None);
        assert_eq!(c.attribute(TASK).as_deref(), Some("0"));

        // A new reader name for the same MBean (it was unregistered and registered again) is a new entry.
        let d = lag(&mapper.map(&snap(vec![client(3.0)])));
        assert!(!Arc::ptr_eq(&c.shared, &d.shared));
        assert_eq!(c.shared, d.shared);
        assert_eq!(mapper.kept.by_name.len(), 1, "the MBean no longer seen is forgotten");
    }

    #[test]
    fn a_connector_type_that_changes_without_any_mbean_coming_or_going_reaches_every_series_of_the_task() {
        let status = |ty: &str| MBeanSample {
            values: vec![("status".into(), s("RUNNING")), ("connector-type".into(), s(ty))],
            ..sample("kafka.connect:type=connector-task-metrics,connector=c,task=0", &[])
        };
        let transform = sample(
            "kafka.connect:type=connector-transform-metrics,connector=c,task=0,transform=t",
            &[("transform-class", s("org.T"))],
        );
        let client = MBeanSample {
            values: vec![("records-lag-max".into(), n(1.0))],
            ..sample(
                "kafka.consumer:type=consumer-fetch-manager-metrics,client-id=connector-consumer-c-0",
                &[],
            )
        };
        let first = status("source");
        let mut mapper = Mapper::default();
        let types = |o: &Observations| -> Vec<Option<String>> {
            [
                "kafka.connect.task.health",
                "kafka.connect.transform.info",
                "kafka.connect.consumer.records_lag_max",
            ]
            .iter()
            .map(|m| o.metrics[m][0].attribute(CONNECTOR_TYPE).map(|t| t.into_owned()))
            .collect()
        };
        let source = mapper.map(&snap(vec![first.clone(), transform.clone(), client.clone()]));
        assert_eq!(types(&source), vec![Some("source".to_string()); 3]);
        // The same names (the reader's), one value changed: the census changes with it.
        let sink = MBeanSample {
            values: status("SINK").values,
            ..first.clone()
        };
        let o = mapper.map(&snap(vec![sink, transform.clone(), client.clone()]));
        assert_eq!(types(&o), vec![Some("sink".to_string()); 3]);
    }

    #[test]
    fn info_attributes_are_kept_until_a_label_changes() {
        let task = |class: &str| vec![("status".into(), s("RUNNING")), ("connector-class".into(), s(class))];
        let first = sample("kafka.connect:type=connector-task-metrics,connector=c,task=0", &[]);
        let with = |values| MBeanSample {
            values,
            ..first.clone()
        };
        let mut mapper = Mapper::default();
        let info = |o: &Observations| o.metrics["kafka.connect.connector.task.info"][0].clone();
        let a = info(&mapper.map(&snap(vec![with(task("org.A"))])));
        let b = info(&mapper.map(&snap(vec![with(task("org.A"))])));
        assert!(Arc::ptr_eq(&a.shared, &b.shared));
        let c = info(&mapper.map(&snap(vec![with(task("org.B"))])));
        assert!(!Arc::ptr_eq(&b.shared, &c.shared));
        assert_eq!(c.attribute("kafka.connect.connector.class").as_deref(), Some("org.B"));
        assert_eq!(c.attribute(CONNECTOR).as_deref(), Some("c"));
        assert_eq!(c.attribute(CONNECTOR_TYPE), None);
        // Same labels, but the census now knows the task's type: the MBean's attributes are rebuilt, and the
        // info series' with them.
        let sink = sample("kafka.connect:type=sink-task-metrics,connector=c,task=0", &[]);
        let d = info(&mapper.map(&snap(vec![with(task("org.B")), sink])));
        assert!(!Arc::ptr_eq(&c.shared, &d.shared));
        assert_eq!(d.attribute(CONNECTOR_TYPE).as_deref(), Some("sink"));
        assert_eq!(d.attribute("kafka.connect.connector.class").as_deref(), Some("org.B"));
    }

    #[test]
    fn clients_are_attributed_from_their_client_id() {
        let o = map(&snap(vec![
            sample("kafka.connect:type=sink-task-metrics,connector=my-sink-2,task=10", &[]),
            sample(
                "kafka.consumer:type=consumer-fetch-manager-metrics,client-id=connector-consumer-my-sink-2-10",
                &[("records-lag-max", n(42.0))],
            ),
            sample(
                "kafka.producer:type=producer-metrics,client-id=connector-producer-src-0",
                &[("record-send-total", n(5.0))],
            ),
            sample(
                "kafka.producer:type=producer-metrics,client-id=connector-dlq-producer-src-0",
                &[("record-send-total", n(1.0))],
            ),
            sample(
                "kafka.consumer:type=consumer-fetch-manager-metrics,client-id=connect-cluster-offsets",
                &[("records-lag-max", n(1.0))],
            ),
        ]));
        assert_eq!(
            one(
                &o,
                "kafka.connect.consumer.records_lag_max",
                &[(CONNECTOR, "my-sink-2"), (TASK, "10"), (CONNECTOR_TYPE, "sink")]
            ),
            42.0
        );
        assert_eq!(
            one(
                &o,
                "kafka.connect.producer.record_send_total",
                &[(CONNECTOR, "src"), (TASK, "0"), (CLIENT_ROLE, "producer")]
            ),
            5.0
        );
        assert_eq!(
            one(
                &o,
                "kafka.connect.producer.record_send_total",
                &[(CLIENT_ROLE, "dlq-producer")]
            ),
            1.0
        );
        assert_eq!(
            o.metrics["kafka.connect.consumer.records_lag_max"].len(),
            1,
            "internal clients are not connector series"
        );
        assert_eq!(o.unattributed, 1);
    }

    #[test]
    fn jvm_memory_pools_use_composite_items_and_type_label() {
        let o = map(&snap(vec![sample(
            "java.lang:type=MemoryPool,name=G1 Old Gen",
            &[
                ("Type", s("HEAP")),
                (
                    "Usage",
                    Value::Composite(vec![
                        ("used".into(), 100.0),
                        ("committed".into(), 200.0),
                        ("max".into(), -1.0),
                    ]),
                ),
            ],
        )]));
        let a = [("jvm.memory.pool.name", "G1 Old Gen"), ("jvm.memory.type", "heap")];
        assert_eq!(one(&o, "jvm.memory.used", &a), 100.0);
        assert_eq!(one(&o, "jvm.memory.committed", &a), 200.0);
        assert!(!o.metrics.contains_key("jvm.memory.limit"), "max -1 means undefined");
    }

    #[test]
    fn units_are_scaled() {
        let o = map(&snap(vec![
            sample(
                "java.lang:type=OperatingSystem",
                &[("ProcessCpuTime", n(2.5e9)), ("ProcessCpuLoad", n(-1.0))],
            ),
            sample(
                "java.lang:type=GarbageCollector,name=G1 Young Generation",
                &[("CollectionTime", n(1500.0)), ("CollectionCount", n(3.0))],
            ),
        ]));
        assert_eq!(one(&o, "jvm.cpu.time", &[]), 2.5);
        assert!(!o.metrics.contains_key("jvm.cpu.recent_utilization"));
        assert_eq!(
            one(
                &o,
                "jvm.gc.collections.elapsed",
                &[("jvm.gc.name", "G1 Young Generation")]
            ),
            1.5
        );
    }

    #[test]
    fn plugin_metrics_carry_their_names() {
        let o = map(&snap(vec![sample(
            "kafka.connect:type=plugins,connector=c,task=0,predicate=p1",
            &[("my-counter", n(4.0)), ("my-label", s("x"))],
        )]));
        assert_eq!(
            one(
                &o,
                "kafka.connect.plugins.value",
                &[
                    ("kafka.connect.plugin.metric", "my-counter"),
                    ("kafka.connect.plugin.predicate", "p1")
                ]
            ),
            4.0
        );
        assert_eq!(o.metrics["kafka.connect.plugins.value"].len(), 1);
    }

    #[test]
    fn thousand_tasks_map_to_thousands_of_series() {
        let mut mbeans = Vec::new();
        for t in 0..1000 {
            mbeans.push(sample(
                &format!("kafka.connect:type=connector-task-metrics,connector=c,task={t}"),
                &[("status", s("running"))],
            ));
        }
        let o = map(&snap(mbeans));
        assert_eq!(o.metrics["kafka.connect.connector.task.status"].len(), 6000);
        assert_eq!(o.metrics.values().map(Vec::len).max(), Some(6000));
    }
}
