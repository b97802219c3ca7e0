//! Snapshot → series: applies the rule table to what was read, and nothing else.
//!
//! Pure and JVM-free so that every rule (units, percent, states, health, attribution of tasks and clients,
//! NaN/Infinity skipping) is unit-tested here. The OpenTelemetry callbacks only copy these series out.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use opentelemetry::{KeyValue, Value as OtelValue};

use crate::encode;
use crate::objectname::ObjectName;
use crate::rules::{Entity, Group, Kind, Metric, CLIENT_ROLE, CONNECTOR, CONNECTOR_TYPE, GROUPS, TASK};
use crate::snapshot::{MBeanSample, Snapshot, Value};

/// The attributes every series of one MBean carries, with their OTLP encoding: made once per MBean and
/// shared, because building, cloning and dropping an attribute vector per series was most of the mapping
/// (and of the agent's native memory) at 1,000 tasks.
#[derive(Debug, PartialEq)]
pub struct SharedAttributes {
    list: Vec<KeyValue>,
    encoded: Vec<u8>,
}

impl SharedAttributes {
    pub fn new(list: Vec<KeyValue>) -> Arc<SharedAttributes> {
        let encoded = encode::point_attributes(&list);
        Arc::new(SharedAttributes { list, encoded })
    }

    /// As `NumberDataPoint.attributes` fields.
    pub fn encoded(&self) -> &[u8] {
        &self.encoded
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub shared: Arc<SharedAttributes>,
    /// The attribute that tells this series from the MBean's others under the same metric (a state, an
    /// attribute's name), after the shared ones.
    pub own: Option<KeyValue>,
    pub value: f64,
}

impl Series {
    pub fn new(attributes: Vec<KeyValue>, value: f64) -> Series {
        Series {
            shared: SharedAttributes::new(attributes),
            own: None,
            value,
        }
    }

    pub fn attributes(&self) -> impl Iterator<Item = &KeyValue> {
        self.shared.list.iter().chain(self.own.as_ref())
    }

    /// The value of the attribute `key`, as text.
    pub fn attribute(&self, key: &str) -> Option<Cow<'_, str>> {
        self.attributes()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.as_str())
    }
}

/// Every series of one collection, by metric name.
#[derive(Clone, Debug, Default)]
pub struct Observations {
    pub metrics: HashMap<&'static str, Vec<Series>>,
    /// NaN or ±Infinity values (windowed stats without samples, "never" timestamps) left out.
    pub skipped_non_finite: u64,
    /// MBeans whose identity could not be worked out (e.g. a client-id of no connector) left out.
    pub unattributed: u64,
}

impl Observations {
    /// Adds a series that shares its attributes with no other.
    pub fn push_alone(&mut self, name: &'static str, attributes: Vec<KeyValue>, value: f64) {
        self.metrics
            .entry(name)
            .or_default()
            .push(Series::new(attributes, value));
    }

    pub fn series_count(&self) -> usize {
        self.metrics.values().map(Vec::len).sum()
    }
}

fn text(v: impl Into<Arc<str>>) -> OtelValue {
    OtelValue::String(v.into().into())
}

/// Attribute names are mostly the rule table's own strings: those need no copy. (The `Cow` is what says
/// whether a name is one of them, so clippy's `&str` would lose it.)
#[allow(clippy::ptr_arg)]
fn name_value(name: &Cow<'static, str>) -> OtelValue {
    match name {
        Cow::Borrowed(s) => OtelValue::from(*s),
        Cow::Owned(s) => text(s.as_str()),
    }
}

/// What the whole snapshot says about connectors and tasks, needed to attribute single MBeans.
struct Census {
    /// connector → task → `source` / `sink`.
    task_types: HashMap<String, HashMap<String, &'static str>>,
    /// `<connector>-<task>` → (connector, task), to attribute clients by their client-id in one lookup.
    task_suffixes: HashMap<String, (String, String)>,
    connector_types: HashMap<String, &'static str>,
    connectors: HashSet<String>,
}

fn connector_type(s: &str) -> Option<&'static str> {
    match s.to_ascii_lowercase().as_str() {
        "source" => Some("source"),
        "sink" => Some("sink"),
        _ => None,
    }
}

impl Census {
    fn take(snapshot: &Snapshot) -> Census {
        let mut c = Census {
            task_types: HashMap::new(),
            task_suffixes: HashMap::new(),
            connector_types: HashMap::new(),
            connectors: HashSet::new(),
        };
        for s in &snapshot.mbeans {
            let g = &GROUPS[s.group];
            let (Some(conn), task) = (s.name.get("connector"), s.name.get("task")) else {
                continue;
            };
            if g.domain != "kafka.connect" {
                continue;
            }
            if !c.connectors.contains(conn) {
                c.connectors.insert(conn.to_string());
            }
            let task = task.unwrap_or_default();
            // The task MBeans' own type wins over connector-task-metrics' `connector-type`.
            let mut set_type = |ty: &'static str, overwrite: bool| {
                let tasks = c.task_types.entry(conn.to_string()).or_default();
                match tasks.get_mut(task) {
                    Some(known) if overwrite => *known = ty,
                    Some(_) => {}
                    None => {
                        tasks.insert(task.to_string(), ty);
                    }
                }
            };
            match g.object_type {
                "source-task-metrics" => set_type("source", true),
                "sink-task-metrics" => set_type("sink", true),
                "connector-task-metrics" => {
                    if let Some(Value::Text(t)) = s.value("connector-type") {
                        if let Some(t) = connector_type(t) {
                            set_type(t, false);
                        }
                    }
                }
                "connector-metrics" => {
                    if let Some(Value::Text(t)) = s.value("connector-type") {
                        if let Some(t) = connector_type(t) {
                            c.connector_types.insert(conn.to_string(), t);
                        }
                    }
                }
                _ => {}
            }
        }
        for (conn, tasks) in &c.task_types {
            for task in tasks.keys() {
                c.task_suffixes
                    .insert(format!("{conn}-{task}"), (conn.clone(), task.clone()));
            }
        }
        c
    }

    fn task_type(&self, connector: &str, task: &str) -> Option<&'static str> {
        self.task_types
            .get(connector)
            .and_then(|tasks| tasks.get(task))
            .or_else(|| self.connector_types.get(connector))
            .copied()
    }

    /// `connector-consumer-<c>-<t>` → (role, c, Some(t)); `connector-producer-<c>` → (role, c, None).
    /// Connector names may contain '-' and end in digits: known tasks and connectors are matched first.
    fn parse_client_id(&self, client_id: &str) -> Option<(&'static str, String, Option<String>)> {
        const ROLES: &[(&str, &str)] = &[
            ("connector-dlq-producer-", "dlq-producer"),
            ("connector-offset-producer-", "offset-producer"),
            ("connector-worker-adminclient-", "worker-admin"),
            ("connector-consumer-", "consumer"),
            ("connector-producer-", "producer"),
            ("connector-adminclient-", "admin"),
        ];
        let (role, rest) = ROLES
            .iter()
            .find_map(|(p, role)| client_id.strip_prefix(p).map(|r| (*role, r)))?;
        if rest.is_empty() {
            return None;
        }
        if let Some((c, t)) = self.task_suffixes.get(rest) {
            return Some((role, c.clone(), Some(t.clone())));
        }
        if self.connectors.contains(rest) {
            return Some((role, rest.to_string(), None));
        }
        match rest.rsplit_once('-') {
            Some((c, t)) if !c.is_empty() && !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
                Some((role, c.to_string(), Some(t.to_string())))
            }
            _ => Some((role, rest.to_string(), None)),
        }
    }
}

/// The identifying attributes of one MBean's series, or `None` to leave the MBean out.
fn entity_attributes(group: &Group, name: &ObjectName, census: &Census) -> Option<Vec<KeyValue>> {
    let connector = || name.get("connector").map(|c| KeyValue::new(CONNECTOR, text(c)));
    let task_attrs = |out: &mut Vec<KeyValue>| -> Option<()> {
        let c = name.get("connector")?;
        let t = name.get("task")?;
        out.push(KeyValue::new(CONNECTOR, text(c)));
        out.push(KeyValue::new(TASK, text(t)));
        if let Some(ty) = census.task_type(c, t) {
            out.push(KeyValue::new(CONNECTOR_TYPE, ty));
        }
        Some(())
    };
    let mut out = Vec::with_capacity(4);
    match group.entity {
        Entity::Worker => {}
        Entity::Connector => out.push(connector()?),
        Entity::Task => task_attrs(&mut out)?,
        Entity::TaskPlugin { key, label } => {
            task_attrs(&mut out)?;
            out.push(KeyValue::new(label, text(name.get(key)?)));
        }
        Entity::PluginMetrics => {
            for (k, v) in &name.properties {
                match k.as_str() {
                    "type" => {}
                    "connector" => out.push(KeyValue::new(CONNECTOR, text(v.as_str()))),
                    "task" => out.push(KeyValue::new(TASK, text(v.as_str()))),
                    other => out.push(KeyValue::new(format!("kafka.connect.plugin.{other}"), text(v.as_str()))),
                }
            }
        }
        Entity::ConnectorClient => {
            let (role, c, t) = census.parse_client_id(name.get("client-id")?)?;
            out.push(KeyValue::new(CONNECTOR, text(c.as_str())));
            if let Some(t) = t {
                if let Some(ty) = census.task_type(&c, &t) {
                    out.push(KeyValue::new(CONNECTOR_TYPE, ty));
                }
                out.push(KeyValue::new(TASK, text(t)));
            }
            out.push(KeyValue::new(CLIENT_ROLE, role));
        }
        Entity::Jvm { name_label } => {
            if let Some(label) = name_label {
                out.push(KeyValue::new(label, text(name.get("name")?)));
            }
        }
    }
    Some(out)
}

fn number(value: &Value, rule: &Metric) -> Option<f64> {
    match (value, rule.item) {
        (Value::Number(n), None) => Some(*n),
        (Value::Bool(b), None) => Some(if *b { 1.0 } else { 0.0 }),
        (Value::Composite(items), Some(item)) => items.iter().find(|(k, _)| k == item).map(|(_, v)| *v),
        _ => None,
    }
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::Text(s) => Some(s.clone()),
        Value::Number(n) if n.is_finite() => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Maps one MBean: its series go into `buckets`, one per rule of its group.
fn map_mbean(sample: &MBeanSample, census: &Census, buckets: &mut [Vec<Series>], out: &mut Observations) {
    let group = &GROUPS[sample.group];
    let Some(mut base) = entity_attributes(group, &sample.name, census) else {
        out.unattributed += 1;
        return;
    };
    let task_type = base
        .iter()
        .find(|kv| kv.key.as_str() == CONNECTOR_TYPE)
        .map(|kv| kv.value.as_str().into_owned());
    let mut values = sample.in_rule_order();
    for rule in group.metrics {
        // The kind first: formatting every attribute as text to find the labels was a tenth of the mapping.
        if let Kind::Label { label } = rule.kind {
            if let Some(v) = values.get(rule.attribute).and_then(as_text) {
                base.push(KeyValue::new(label, text(v.to_ascii_lowercase())));
            }
        }
    }
    let shared = SharedAttributes::new(base);
    let series = |own: Option<KeyValue>, value: f64| Series {
        shared: Arc::clone(&shared),
        own,
        value,
    };
    let mut values = sample.in_rule_order();
    let mut info_labels: Vec<KeyValue> = Vec::new();
    for (rule, bucket) in group.metrics.iter().zip(buckets.iter_mut()) {
        if let Some(wanted) = rule.task_type {
            if task_type.as_deref() != Some(wanted) {
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
                    continue;
                }
                if rule.skip_negative && n < 0.0 {
                    continue;
                }
                bucket.push(series(None, rule.scale.apply(n)));
            }
            Kind::State { label, states } => {
                let Some(current) = as_text(value).map(|s| s.to_ascii_lowercase()) else {
                    continue;
                };
                for state in states.iter() {
                    let own = Some(KeyValue::new(label, *state));
                    bucket.push(series(own, if *state == current { 1.0 } else { 0.0 }));
                }
                if !states.contains(&current.as_str()) {
                    bucket.push(series(Some(KeyValue::new(label, text(current))), 1.0));
                }
            }
            Kind::Health => {
                let Some(current) = as_text(value) else { continue };
                let running = current.eq_ignore_ascii_case("running");
                bucket.push(series(None, if running { 1.0 } else { 0.0 }));
            }
            Kind::Info { label } => {
                if let Some(v) = as_text(value) {
                    info_labels.push(KeyValue::new(label, text(v)));
                }
            }
            Kind::Label { .. } | Kind::TaskType | Kind::AllNumeric { .. } => {}
        }
    }
    if let (Some(info), false) = (group.info_metric, info_labels.is_empty()) {
        let mut attrs = shared.list.clone();
        attrs.extend(info_labels);
        out.push_alone(info, attrs, 1.0);
    }
}

/// Applies the rules to a snapshot.
pub fn map(snapshot: &Snapshot) -> Observations {
    let census = Census::take(snapshot);
    let mut out = Observations::default();
    // Per group, per rule: hashing the metric name once per rule instead of once per series.
    let mut buckets: Vec<Vec<Vec<Series>>> = GROUPS.iter().map(|g| vec![Vec::new(); g.metrics.len()]).collect();
    for sample in &snapshot.mbeans {
        map_mbean(sample, &census, &mut buckets[sample.group], &mut out);
    }
    for (group, rules) in GROUPS.iter().zip(buckets) {
        for (rule, series) in group.metrics.iter().zip(rules) {
            if series.is_empty() {
                continue;
            }
            match out.metrics.entry(rule.name) {
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
            name,
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
