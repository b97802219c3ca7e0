//! What to read: which queries to run, which group an MBean belongs to, which attributes and `CompositeData`
//! items to request. Derived once from the rules and the configuration.

use std::collections::BTreeSet;

use super::objectname::{ObjectName, Pattern};
use super::rules::{Group, Kind, GROUPS, THROWS_WHILE_STARTING};

/// One attribute to request, with the `CompositeData` items wanted from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeRequest {
    pub name: &'static str,
    pub items: Vec<&'static str>,
    /// Its getter throws while the MBean's subject starts ([`THROWS_WHILE_STARTING`]).
    pub throws_while_starting: bool,
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

/// What the configuration selects: the metric groups switched on (by [`super::rules::GROUP_NAMES`]) and the
/// include/exclude ObjectName patterns (JMX syntax; no include = everything the rules know).
pub struct Selection<'a> {
    pub groups: &'a BTreeSet<String>,
    pub include: &'a [String],
    pub exclude: &'a [String],
}

impl ReadPlan {
    pub fn new(config: Selection<'_>) -> ReadPlan {
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
            include: parse(config.include),
            exclude: parse(config.exclude),
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
                throws_while_starting: THROWS_WHILE_STARTING
                    .iter()
                    .any(|(t, a, _)| *t == group.object_type && *a == r.attribute),
            }),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::rules::GROUP_NAMES;

    fn plan_of(include: &[&str], exclude: &[&str], off: &[&str]) -> ReadPlan {
        let groups = GROUP_NAMES
            .iter()
            .filter(|g| !off.contains(g))
            .map(|g| g.to_string())
            .collect();
        let owned = |ps: &[&str]| ps.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        ReadPlan::new(Selection {
            groups: &groups,
            include: &owned(include),
            exclude: &owned(exclude),
        })
    }

    fn name(s: &str) -> ObjectName {
        ObjectName::parse(s).unwrap()
    }

    #[test]
    fn classifies_by_type_and_exact_keys() {
        let plan = plan_of(&[], &[], &[]);
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
        let plan = plan_of(
            &[],
            &["kafka.connect:type=sink-task-metrics,connector=secret-*,*"],
            &["jvm"],
        );
        assert!(plan.classify(&name("java.lang:type=Threading")).is_none());
        assert!(!plan.queries.contains(&"java.lang:*".to_string()));
        assert!(plan
            .classify(&name("kafka.connect:type=sink-task-metrics,connector=secret-1,task=0"))
            .is_none());
        assert!(plan
            .classify(&name("kafka.connect:type=sink-task-metrics,connector=open,task=0"))
            .is_some());
        let plan = plan_of(&["kafka.connect:type=connector-metrics,*"], &[], &[]);
        assert!(plan
            .classify(&name("kafka.connect:type=connector-metrics,connector=a"))
            .is_some());
        assert!(plan
            .classify(&name("kafka.connect:type=connect-worker-metrics"))
            .is_none());
    }

    #[test]
    fn attribute_requests_are_unique_and_carry_items() {
        let plan = plan_of(&[], &[], &[]);
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

    #[test]
    fn only_the_listed_getters_count_as_throwing_while_starting() {
        let plan = plan_of(&[], &[], &[]);
        let starting: Vec<(&str, &str)> = GROUPS
            .iter()
            .zip(&plan.attributes)
            .flat_map(|(g, reqs)| reqs.iter().flatten().map(move |a| (g, a)))
            .filter(|(_, a)| a.throws_while_starting)
            .map(|(g, a)| (g.object_type, a.name))
            .collect();
        assert_eq!(
            starting,
            vec![
                ("connect-worker-rebalance-metrics", "connect-protocol"),
                ("connector-task-metrics", "status")
            ]
        );
    }
}
