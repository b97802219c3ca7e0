//! Snapshot → series: applies the rule table to what was read, and nothing else.
//!
//! Pure and JVM-free so that every rule (units, percent, states, health, attribution of tasks and clients,
//! NaN/Infinity skipping) is unit-tested here. The OpenTelemetry callbacks only copy these series out.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use opentelemetry::{Key, KeyValue, Value as OtelValue};

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
#[derive(Default)]
struct Census {
    /// connector → task → `source` / `sink`.
    task_types: HashMap<String, HashMap<String, &'static str>>,
    /// `<connector>-<task>` → (connector, task), to attribute clients by their client-id in one lookup.
    task_suffixes: HashMap<String, (String, String)>,
    connector_types: HashMap<String, &'static str>,
    connectors: HashSet<String>,
}

fn connector_type(s: &str) -> Option<&'static str> {
    ["source", "sink"].into_iter().find(|t| t.eq_ignore_ascii_case(s))
}

/// What the census is taken from, for one MBean of the `kafka.connect` domain: its name (the reader's, so
/// the same MBean has the same one while it exists), its group and the connector type it reports, if its
/// group reports one. The same inputs give the same census, so comparing them (by the names' identity) is
/// all a collection costs while no MBean comes or goes.
struct CensusInput {
    name: Arc<ObjectName>,
    group: usize,
    connector_type: Option<&'static str>,
}

impl PartialEq for CensusInput {
    fn eq(&self, other: &CensusInput) -> bool {
        Arc::ptr_eq(&self.name, &other.name) && self.group == other.group && self.connector_type == other.connector_type
    }
}

fn census_inputs(snapshot: &Snapshot) -> Vec<CensusInput> {
    snapshot
        .mbeans
        .iter()
        .filter(|s| GROUPS[s.group].domain == "kafka.connect")
        .map(|s| {
            let connector_type = match GROUPS[s.group].object_type {
                "connector-task-metrics" | "connector-metrics" => match s.value("connector-type") {
                    Some(Value::Text(t)) => connector_type(t),
                    _ => None,
                },
                _ => None,
            };
            CensusInput {
                name: Arc::clone(&s.name),
                group: s.group,
                connector_type,
            }
        })
        .collect()
}

impl Census {
    fn take(inputs: &[CensusInput]) -> Census {
        let mut c = Census {
            task_types: HashMap::new(),
            task_suffixes: HashMap::new(),
            connector_types: HashMap::new(),
            connectors: HashSet::new(),
        };
        for s in inputs {
            let g = &GROUPS[s.group];
            let (Some(conn), task) = (s.name.get("connector"), s.name.get("task")) else {
                continue;
            };
            if !c.connectors.contains(conn) {
                c.connectors.insert(conn.to_string());
            }
            let task = task.unwrap_or_default();
            // The task MBeans' own type wins over connector-task-metrics' `connector-type`.
            let mut set_type = |ty: &'static str, overwrite: bool| {
                // No key copied for a connector already known (most calls).
                let tasks = match c.task_types.get_mut(conn) {
                    Some(tasks) => tasks,
                    None => c.task_types.entry(conn.to_string()).or_default(),
                };
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
                    if let Some(t) = s.connector_type {
                        set_type(t, false);
                    }
                }
                "connector-metrics" => {
                    if let Some(t) = s.connector_type {
                        c.connector_types.insert(conn.to_string(), t);
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
    fn parse_client_id<'a>(&'a self, client_id: &'a str) -> Option<(&'static str, &'a str, Option<&'a str>)> {
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
            return Some((role, c, Some(t)));
        }
        if self.connectors.contains(rest) {
            return Some((role, rest, None));
        }
        match rest.rsplit_once('-') {
            Some((c, t)) if !c.is_empty() && !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => {
                Some((role, c, Some(t)))
            }
            _ => Some((role, rest, None)),
        }
    }
}

/// What identifies one MBean's series, as (attribute key, value) borrowed from its name and the census, or
/// `None` to leave the MBean out. Compared with what was built the collection before, so that an MBean whose
/// identity did not change allocates nothing.
type Identity<'a> = Vec<(Cow<'static, str>, Cow<'a, str>)>;

fn entity_identity<'a>(group: &Group, name: &'a ObjectName, census: &'a Census) -> Option<Identity<'a>> {
    fn put<'a>(out: &mut Identity<'a>, key: &'static str, value: &'a str) {
        out.push((Cow::Borrowed(key), Cow::Borrowed(value)));
    }
    let task = |out: &mut Identity<'a>| -> Option<()> {
        let c = name.get("connector")?;
        let t = name.get("task")?;
        put(out, CONNECTOR, c);
        put(out, TASK, t);
        if let Some(ty) = census.task_type(c, t) {
            put(out, CONNECTOR_TYPE, ty);
        }
        Some(())
    };
    let mut out: Identity<'a> = Vec::with_capacity(4);
    match group.entity {
        Entity::Worker => {}
        Entity::Connector => put(&mut out, CONNECTOR, name.get("connector")?),
        Entity::Task => task(&mut out)?,
        Entity::TaskPlugin { key, label } => {
            task(&mut out)?;
            put(&mut out, label, name.get(key)?);
        }
        Entity::PluginMetrics => {
            for (k, v) in &name.properties {
                match k.as_str() {
                    "type" => {}
                    "connector" => put(&mut out, CONNECTOR, v),
                    "task" => put(&mut out, TASK, v),
                    other => out.push((Cow::Owned(format!("kafka.connect.plugin.{other}")), Cow::Borrowed(v))),
                }
            }
        }
        Entity::ConnectorClient => {
            let (role, c, t) = census.parse_client_id(name.get("client-id")?)?;
            put(&mut out, CONNECTOR, c);
            if let Some(t) = t {
                if let Some(ty) = census.task_type(c, t) {
                    put(&mut out, CONNECTOR_TYPE, ty);
                }
                put(&mut out, TASK, t);
            }
            put(&mut out, CLIENT_ROLE, role);
        }
        Entity::Jvm { name_label } => {
            if let Some(label) = name_label {
                put(&mut out, label, name.get("name")?);
            }
        }
    }
    Some(out)
}

fn key_values(identity: &Identity<'_>) -> Vec<KeyValue> {
    identity
        .iter()
        .map(|(k, v)| {
            let key = match k {
                Cow::Borrowed(k) => Key::from_static_str(k),
                Cow::Owned(k) => Key::from(k.clone()),
            };
            KeyValue::new(key, text(v.as_ref()))
        })
        .collect()
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

/// Maps one MBean: its series go into `buckets`, one per rule of its group.
fn map_mbean(
    sample: &MBeanSample,
    census: &Census,
    kept: &mut Kept,
    buckets: &mut [Vec<Series>],
    out: &mut Observations,
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

/// Label attributes found in an MBean's values (keys from the rule table), added to its identity.
type Labels<'a> = Vec<(&'static str, Cow<'a, str>)>;

/// Hashes [`Kept`]'s keys, addresses of our own names: SipHash's defence against chosen keys is not needed
/// there, and hashing 6,400 addresses with it showed in the mapping's profile.
#[derive(Default)]
struct AddressHasher(u64);

impl std::hash::Hasher for AddressHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        // A folded multiply spreads the address's middle bits into the low ones the table indexes by.
        let p = u128::from(n ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = (p as u64) ^ ((p >> 64) as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Each MBean's shared attributes, kept from one collection to the next by the address of the reader's name
/// (the reader keeps one `Arc<ObjectName>` per MBean while it exists, and so does the entry here, so an
/// address is never reused for another MBean while it is a key).
#[derive(Default)]
struct Kept {
    by_name: HashMap<usize, KeptAttributes, std::hash::BuildHasherDefault<AddressHasher>>,
    cycle: u64,
    /// Which census is in use: it changes only when an MBean of the `kafka.connect` domain comes or goes, or
    /// a connector type changes.
    census: u64,
    /// Each bucket's length last cycle (per group, per rule), its capacity this cycle: growing 50,000
    /// series by doubling would copy them again.
    bucket_lens: Vec<Vec<usize>>,
}

struct KeptAttributes {
    _name: Arc<ObjectName>,
    shared: Arc<SharedAttributes>,
    /// Where the labels start in `shared` (the attributes from the name and the census come first).
    labels_at: usize,
    /// The connector type in `shared`, for the rules of one task type.
    task_type: Option<&'static str>,
    /// The census `shared` was last checked against: while it is in use, the part from the name and the
    /// census holds without working it out again.
    census: u64,
    /// The info metric's attributes (`shared`'s, then the info labels), if the group has one.
    info: Option<Arc<SharedAttributes>>,
    seen: u64,
}

impl Kept {
    /// The attributes shared by `sample`'s series, and its connector type; `None` when the MBean cannot be
    /// attributed. Last collection's when they still hold.
    fn shared(
        &mut self,
        sample: &MBeanSample,
        census: &Census,
        labels: Labels<'_>,
    ) -> Option<(Arc<SharedAttributes>, Option<&'static str>)> {
        let key = Arc::as_ptr(&sample.name) as usize;
        let (cycle, in_use) = (self.cycle, self.census);
        if let Some(kept) = self.by_name.get_mut(&key) {
            if kept.census == in_use
                && kept
                    .shared
                    .list
                    .get(kept.labels_at..)
                    .is_some_and(|l| holds(l, &labels))
            {
                kept.seen = cycle;
                return Some((Arc::clone(&kept.shared), kept.task_type));
            }
        }
        let mut identity = entity_identity(&GROUPS[sample.group], &sample.name, census)?;
        let labels_at = identity.len();
        let task_type = identity
            .iter()
            .find(|(k, _)| k == CONNECTOR_TYPE)
            .and_then(|(_, v)| connector_type(v));
        identity.extend(labels.into_iter().map(|(k, v)| (Cow::Borrowed(k), v)));
        if let Some(kept) = self.by_name.get_mut(&key) {
            if kept.labels_at == labels_at && holds(&kept.shared.list, &identity) {
                (kept.census, kept.seen) = (in_use, cycle);
                return Some((Arc::clone(&kept.shared), kept.task_type));
            }
        }
        let shared = SharedAttributes::new(key_values(&identity));
        let kept = KeptAttributes {
            _name: Arc::clone(&sample.name),
            shared: Arc::clone(&shared),
            labels_at,
            task_type,
            census: in_use,
            info: None,
            seen: cycle,
        };
        self.by_name.insert(key, kept);
        Some((shared, task_type))
    }

    /// The info series' attributes for `labels`, after [`Kept::shared`] returned `shared` for `name`.
    fn info(
        &mut self,
        name: &Arc<ObjectName>,
        shared: &SharedAttributes,
        labels: Vec<(&'static str, Cow<'_, str>)>,
    ) -> Arc<SharedAttributes> {
        let kept = self.by_name.get_mut(&(Arc::as_ptr(name) as usize));
        // Kept info attributes were built on this `shared` (a rebuilt one clears them): compare the labels.
        if let Some(Some(info)) = kept.as_ref().map(|k| &k.info) {
            if info
                .list
                .get(shared.list.len()..)
                .is_some_and(|tail| holds(tail, &labels))
            {
                return Arc::clone(info);
            }
        }
        let mut list = shared.list.clone();
        list.extend(labels.iter().map(|(k, v)| KeyValue::new(*k, text(v.as_ref()))));
        let attributes = SharedAttributes::new(list);
        if let Some(kept) = kept {
            kept.info = Some(Arc::clone(&attributes));
        }
        attributes
    }
}

/// Whether the attributes built before hold exactly the (key, text) pairs this collection found.
fn holds(built: &[KeyValue], found: &[(impl AsRef<str>, Cow<'_, str>)]) -> bool {
    built.len() == found.len()
        && built
            .iter()
            .zip(found)
            .all(|(kv, (k, v))| kv.key.as_str() == k.as_ref() && kv.value.as_str() == v.as_ref())
}

/// Applies the rules to snapshots, one collection after another.
#[derive(Default)]
pub struct Mapper {
    kept: Kept,
    census: Census,
    /// What `census` was taken from.
    census_inputs: Vec<CensusInput>,
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
        let observations = map_with(snapshot, &self.census, &mut self.kept);
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

fn map_with(snapshot: &Snapshot, census: &Census, kept: &mut Kept) -> Observations {
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
        map_mbean(sample, census, kept, &mut buckets[sample.group], &mut out);
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
