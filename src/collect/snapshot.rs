//! What one collection read from the MBeanServer, as plain Rust values.
//!
//! Why a snapshot: the JNI reader fills it on our daemon thread; everything after it (mapping, encoding,
//! export) reads only this, so no JNI call ever runs on another thread.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::collect::objectname::ObjectName;

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
    /// Attributes whose value was null, left out (not an error: the MBean has no value for them).
    pub skipped_null: u64,
    /// Attributes left out while their task or the worker starts ([`crate::collect::rules::THROWS_WHILE_STARTING`]).
    pub skipped_starting: u64,
}

impl ReadStats {
    pub fn error(&mut self, kind: &'static str) {
        *self.errors.entry(kind).or_insert(0) += 1;
    }
}

/// An MBean started (registered afresh, not re-registered) since the last collection, from the server's
/// registration notifications: a task's or connector's MBeans are made anew on each of its starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Start {
    pub name: ObjectName,
    /// Starts since the last collection.
    pub count: u32,
    /// When the last of them happened (Unix milliseconds).
    pub last_unix_ms: i64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub mbeans: Vec<MBeanSample>,
    pub stats: ReadStats,
    /// The MBeans started since the last collection; meaningful only when `follows_registrations`.
    pub starts: Vec<Start>,
    /// The reader follows the server's registration notifications (else `starts` is always empty).
    pub follows_registrations: bool,
}
