//! Who is who in one snapshot: which connectors and tasks this worker runs and their types, so that single
//! MBeans (a task's, a client's) can be attributed to their connector and task.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use opentelemetry::{Key, KeyValue};

use super::series::text;
use crate::collect::objectname::ObjectName;
use crate::collect::rules::{Entity, Group, CLIENT_ROLE, CONNECTOR, CONNECTOR_TYPE, GROUPS, TASK};
use crate::collect::snapshot::{Snapshot, Value};

/// What the whole snapshot says about connectors and tasks, needed to attribute single MBeans.
#[derive(Default)]
pub(super) struct Census {
    /// connector → task → `source` / `sink`.
    pub(super) task_types: HashMap<String, HashMap<String, &'static str>>,
    /// `<connector>-<task>` → (connector, task), to attribute clients by their client-id in one lookup.
    pub(super) task_suffixes: HashMap<String, (String, String)>,
    pub(super) connector_types: HashMap<String, &'static str>,
    pub(super) connectors: HashSet<String>,
}

pub(super) fn connector_type(s: &str) -> Option<&'static str> {
    ["source", "sink"].into_iter().find(|t| t.eq_ignore_ascii_case(s))
}

/// What the census is taken from, for one MBean of the `kafka.connect` domain: its name (the reader's, so
/// the same MBean has the same one while it exists), its group and the connector type it reports, if its
/// group reports one. The same inputs give the same census, so comparing them (by the names' identity) is
/// all a collection costs while no MBean comes or goes.
pub(super) struct CensusInput {
    pub(super) name: Arc<ObjectName>,
    pub(super) group: usize,
    pub(super) connector_type: Option<&'static str>,
}

impl PartialEq for CensusInput {
    fn eq(&self, other: &CensusInput) -> bool {
        Arc::ptr_eq(&self.name, &other.name) && self.group == other.group && self.connector_type == other.connector_type
    }
}

pub(super) fn census_inputs(snapshot: &Snapshot) -> Vec<CensusInput> {
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
    pub(super) fn take(inputs: &[CensusInput]) -> Census {
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

    pub(super) fn task_type(&self, connector: &str, task: &str) -> Option<&'static str> {
        self.task_types
            .get(connector)
            .and_then(|tasks| tasks.get(task))
            .or_else(|| self.connector_types.get(connector))
            .copied()
    }

    /// `connector-consumer-<c>-<t>` → (role, c, Some(t)); `connector-producer-<c>` → (role, c, None).
    /// Connector names may contain '-' and end in digits: known tasks and connectors are matched first.
    pub(super) fn parse_client_id<'a>(
        &'a self,
        client_id: &'a str,
    ) -> Option<(&'static str, &'a str, Option<&'a str>)> {
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
pub(super) type Identity<'a> = Vec<(Cow<'static, str>, Cow<'a, str>)>;

pub(super) fn entity_identity<'a>(group: &Group, name: &'a ObjectName, census: &'a Census) -> Option<Identity<'a>> {
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

pub(super) fn key_values(identity: &Identity<'_>) -> Vec<KeyValue> {
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
