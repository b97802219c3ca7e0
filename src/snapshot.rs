//! What one collection read from the MBeanServer, as plain Rust values, and what to read.
//!
//! Why a snapshot: the JNI reader fills it on our daemon thread; everything after it (mapping, the
//! OpenTelemetry instruments, export) reads only this, so no JNI call ever runs on an SDK thread.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::config::MetricsConfig;
use crate::objectname::{ObjectName, Pattern};
use crate::rules::{Group, Kind, GROUPS};

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Number(f64),
    Text(String),
    Bool(bool),
    /// Numeric items of a `CompositeData` (only the items the rules ask for).
    Composite(Vec<(String, f64)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct MBeanSample {
    /// Shared with the reader, which keeps it while the MBean exists: no copy per cycle.
    pub name: Arc<ObjectName>,
    /// Index into [`GROUPS`].
    pub group: usize,
    /// Attribute name (the rule's own, or from Java for MBeans read with every declared attribute) and value.
    pub values: Vec<(Cow<'static, str>, Value)>,
}

impl MBeanSample {
    pub fn value(&self, attribute: &str) -> Option<&Value> {
        self.values.iter().find(|(a, _)| a == attribute).map(|(_, v)| v)
    }

    /// A lookup for the rules of the sample's group, taken in their order.
    pub fn in_rule_order(&self) -> RuleOrderLookup<'_> {
        RuleOrderLookup {
            values: &self.values,
            next: 0,
        }
    }
}

/// Finds values where the previous one was found: the reader requests attributes in rule order and
/// `getAttributes` answers in request order, so a scan from the start for every rule (comparing names
/// byte by byte) was the largest part of the mapping at 1,000 tasks.
pub struct RuleOrderLookup<'a> {
    values: &'a [(Cow<'static, str>, Value)],
    next: usize,
}

impl<'a> RuleOrderLookup<'a> {
    pub fn get(&mut self, attribute: &'static str) -> Option<&'a Value> {
        let n = self.values.len();
        // From `next` to the end, then from the start (no division per step: this runs for every rule).
        for i in (self.next.min(n)..n).chain(0..self.next.min(n)) {
            let name: &str = &self.values[i].0;
            // The reader names values with the rule table's own strings: equal pointers are the usual match.
            if std::ptr::eq(name, attribute) || name == attribute {
                self.next = i + 1;
                return Some(&self.values[i].1);
            }
        }
        None
    }
}

/// Counts kept by the reader; they become the agent's own `connect_otel.*` metrics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadStats {
    pub duration: Duration,
    pub mbeans: u64,
    pub attributes: u64,
    /// Read errors by kind (`vanished`, `attribute`, `query`, `conversion`, …).
    pub errors: BTreeMap<&'static str, u64>,
}

impl ReadStats {
    pub fn error(&mut self, kind: &'static str) {
        *self.errors.entry(kind).or_insert(0) += 1;
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub mbeans: Vec<MBeanSample>,
    pub stats: ReadStats,
}

/// One attribute to request, with the `CompositeData` items wanted from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeRequest {
    pub name: &'static str,
    pub items: Vec<&'static str>,
}

/// What to read: derived once from the rules and the configuration.
#[derive(Clone, Debug)]
pub struct ReadPlan {
    /// `queryNames` patterns, one per domain.
    pub queries: Vec<String>,
    /// Per group index: the attributes to request (`None` = every attribute the MBean declares).
    pub attributes: Vec<Option<Vec<AttributeRequest>>>,
    enabled: Vec<bool>,
    include: Vec<Pattern>,
    exclude: Vec<Pattern>,
}

impl ReadPlan {
    pub fn new(config: &MetricsConfig) -> ReadPlan {
        let enabled: Vec<bool> = GROUPS.iter().map(|g| config.groups.contains(g.switch)).collect();
        let mut queries: Vec<String> = Vec::new();
        for (g, on) in GROUPS.iter().zip(&enabled) {
            let q = format!("{}:*", g.domain);
            if *on && !queries.contains(&q) {
                queries.push(q);
            }
        }
        let attributes = GROUPS.iter().map(attribute_requests).collect();
        let parse = |ps: &[String]| ps.iter().filter_map(|p| Pattern::parse(p)).collect();
        ReadPlan {
            queries,
            attributes,
            enabled,
            include: parse(&config.include),
            exclude: parse(&config.exclude),
        }
    }

    /// The group an MBean belongs to, if we read it at all.
    pub fn classify(&self, name: &ObjectName) -> Option<usize> {
        let object_type = name.get("type")?;
        let index = GROUPS.iter().position(|g| {
            g.domain == name.domain
                && g.object_type == object_type
                && if g.other_keys {
                    g.keys.iter().all(|k| name.get(k).is_some())
                } else {
                    name.properties.len() == g.keys.len() + 1 && g.keys.iter().all(|k| name.get(k).is_some())
                }
        })?;
        if !self.enabled[index] {
            return None;
        }
        if !self.include.is_empty() && !self.include.iter().any(|p| p.matches(name)) {
            return None;
        }
        if self.exclude.iter().any(|p| p.matches(name)) {
            return None;
        }
        Some(index)
    }
}

fn attribute_requests(group: &Group) -> Option<Vec<AttributeRequest>> {
    let mut out: Vec<AttributeRequest> = Vec::new();
    for r in group.metrics {
        if matches!(r.kind, Kind::AllNumeric { .. }) {
            return None;
        }
        match out.iter_mut().find(|a| a.name == r.attribute) {
            Some(a) => {
                if let Some(i) = r.item {
                    if !a.items.contains(&i) {
                        a.items.push(i);
                    }
                }
            }
            None => out.push(AttributeRequest {
                name: r.attribute,
                items: r.item.into_iter().collect(),
            }),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::GROUP_NAMES;

    fn config(include: &[&str], exclude: &[&str], off: &[&str]) -> MetricsConfig {
        MetricsConfig {
            interval: Duration::from_secs(1),
            groups: GROUP_NAMES
                .iter()
                .filter(|g| !off.contains(g))
                .map(|g| g.to_string())
                .collect(),
            include: include.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            stall_intervals: 4,
            trim_memory: true,
        }
    }

    fn name(s: &str) -> ObjectName {
        ObjectName::parse(s).unwrap()
    }

    #[test]
    fn classifies_by_type_and_exact_keys() {
        let plan = ReadPlan::new(&config(&[], &[], &[]));
        let g = |s: &str| {
            plan.classify(&name(s))
                .map(|i| (GROUPS[i].object_type, GROUPS[i].keys.len()))
        };
        assert_eq!(
            g("kafka.connect:type=connect-worker-metrics"),
            Some(("connect-worker-metrics", 0))
        );
        assert_eq!(
            g("kafka.connect:type=connect-worker-metrics,connector=c"),
            Some(("connect-worker-metrics", 1))
        );
        assert_eq!(
            g("kafka.connect:type=sink-task-metrics,connector=c,task=0"),
            Some(("sink-task-metrics", 2))
        );
        // Per-topic client MBeans are not client-level series.
        assert_eq!(
            g("kafka.consumer:type=consumer-fetch-manager-metrics,client-id=x,topic=t"),
            None
        );
        assert_eq!(
            g("kafka.consumer:type=consumer-fetch-manager-metrics,client-id=x"),
            Some(("consumer-fetch-manager-metrics", 1))
        );
        assert!(g("kafka.connect:type=plugins,connector=c,task=0,converter=key").is_some());
        assert_eq!(g("kafka.connect:type=unknown-metrics"), None);
        assert_eq!(
            g("java.lang:type=MemoryPool,name=G1 Eden Space").map(|x| x.0),
            Some("MemoryPool")
        );
    }

    #[test]
    fn switches_include_and_exclude_apply() {
        let plan = ReadPlan::new(&config(
            &[],
            &["kafka.connect:type=sink-task-metrics,connector=secret-*,*"],
            &["jvm"],
        ));
        assert!(plan.classify(&name("java.lang:type=Threading")).is_none());
        assert!(!plan.queries.contains(&"java.lang:*".to_string()));
        assert!(plan
            .classify(&name("kafka.connect:type=sink-task-metrics,connector=secret-1,task=0"))
            .is_none());
        assert!(plan
            .classify(&name("kafka.connect:type=sink-task-metrics,connector=open,task=0"))
            .is_some());
        let plan = ReadPlan::new(&config(&["kafka.connect:type=connector-metrics,*"], &[], &[]));
        assert!(plan
            .classify(&name("kafka.connect:type=connector-metrics,connector=a"))
            .is_some());
        assert!(plan
            .classify(&name("kafka.connect:type=connect-worker-metrics"))
            .is_none());
    }

    #[test]
    fn attribute_requests_are_unique_and_carry_items() {
        let plan = ReadPlan::new(&config(&[], &[], &[]));
        let pool = GROUPS.iter().position(|g| g.object_type == "MemoryPool").unwrap();
        let reqs = plan.attributes[pool].as_ref().unwrap();
        let usage = reqs.iter().find(|a| a.name == "Usage").unwrap();
        assert_eq!(usage.items, vec!["used", "committed", "max"]);
        assert_eq!(reqs.iter().filter(|a| a.name == "Usage").count(), 1);
        let task = GROUPS
            .iter()
            .position(|g| g.object_type == "connector-task-metrics")
            .unwrap();
        let reqs = plan.attributes[task].as_ref().unwrap();
        assert_eq!(reqs.iter().filter(|a| a.name == "status").count(), 1);
        let plugins = GROUPS.iter().position(|g| g.object_type == "plugins").unwrap();
        assert!(plan.attributes[plugins].is_none());
    }
}
