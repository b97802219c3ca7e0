//! Reads MBeans from the platform MBeanServer through JNI into a [`Snapshot`].
//!
//! Per cycle: one `queryNames` per domain, then one batched `getAttributes` per MBean with the attribute
//! names the rules need ([`Requests`]), only those the MBean declares ([`declared`]). Each MBean is
//! recognised cheaply from the cycle before ([`MBeanNames`]); its values become plain Rust ([`convert`]).
//! An MBean that vanished between query and read, or an attribute that throws, is counted and skipped; it
//! never stops the cycle.
//!
//! The per-value path is where a read spends its time (64,000 values at 1,000 tasks), so it calls into Java
//! only where JNI cannot read a field instead, and matches a returned `Attribute` to the request by the
//! identity of its name. Every JNI call goes through a [`NoPending`] proof, made once per cycle and kept
//! through the calls that returned normally, so that no call is made with an exception pending.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Instant;

use jni::errors::{Error as JniError, Result as JResult};
use jni::objects::{JObjectArray, JString};
use jni::Env;

use super::convert::{convert, text};
use super::declared::{self, Declared};
use super::explain;
use super::methods::{KeptName, Methods, Name};
use super::names::{MBeanNames, ToRead};
use super::raw::{Elements, NoPending};
use super::registrations::Registrations;
use super::request::{Request, Requests};
use crate::collect::plan::{AttributeRequest, ReadPlan};
use crate::collect::rules::GROUPS;
use crate::collect::snapshot::{MBeanSample, ReadStats, Snapshot, Value};
use crate::diag::explain::{Event, Explainer};

/// The explainer's scope for errors of no group (queries, names, JNI).
const NO_GROUP: usize = GROUPS.len();

/// One MBean's attribute names and values (`MBeanSample::values`).
type Values = Vec<(Cow<'static, str>, Value)>;

/// Java objects kept across cycles (global references, released on the collector thread).
pub struct MBeanReader {
    pub(super) m: Methods,
    /// Per query pattern, the `ObjectName` to pass to `queryNames`.
    queries: HashMap<String, KeptName>,
    pub(super) requests: Requests,
    pub(super) names: MBeanNames,
    pub(super) cycle: u64,
    explain: Explainer,
    follow: Follow,
}

/// Whether the reader follows the server's registration notifications.
enum Follow {
    NotYet,
    On(Registrations),
    /// Could not: MBeans lacking attributes are asked again every `RECHECK_CYCLES` instead, and no restart is
    /// counted.
    Off,
}

impl MBeanReader {
    pub fn new(env: &mut Env<'_>) -> JResult<MBeanReader> {
        Ok(MBeanReader {
            m: Methods::resolve(env)?,
            queries: HashMap::new(),
            requests: Requests::default(),
            names: MBeanNames::default(),
            cycle: 0,
            explain: Explainer::default(),
            follow: Follow::NotYet,
        })
    }

    /// Before the collector thread detaches: stops the registration listener.
    pub fn close(&mut self, env: &mut Env<'_>) {
        if let Follow::On(r) = std::mem::replace(&mut self.follow, Follow::Off) {
            r.uninstall(&mut NoPending::clear(env));
        }
    }

    /// Installs the registration listener on the first cycle (before the first query, so that no registration
    /// after the reader's first look at an MBean goes unseen); on later cycles drains what it counted since the
    /// last drain (see [`Self::drain_registrations`]).
    fn follow_registrations(&mut self, ok: &mut NoPending<'_, '_>, plan: &ReadPlan, snapshot: &mut Snapshot) {
        if let Follow::NotYet = self.follow {
            let mut domains: Vec<String> = Vec::new();
            for q in &plan.queries {
                let domain = q.split(':').next().unwrap_or_default();
                let domain = if domain.contains(['*', '?']) { "*" } else { domain };
                if !domains.iter().any(|d| d == domain) {
                    domains.push(domain.to_string());
                }
            }
            self.follow = match ok.frame(16, |ok| Registrations::install(ok, &domains)) {
                Ok(Some(r)) => Follow::On(r),
                Ok(None) | Err(_) => {
                    crate::log_info!(
                        "MBean registration notifications are not available: an MBean that gains attributes is \
                         asked again every {} collections, and task and connector restarts are not counted",
                        super::declared::RECHECK_CYCLES
                    );
                    Follow::Off
                }
            };
            // Nothing to drain yet: every MBean is new to the reader.
            snapshot.follows_registrations = matches!(self.follow, Follow::On(_));
            return;
        }
        self.drain_registrations(ok, snapshot);
    }

    /// Drains what the listener counted into `snapshot` and marks the MBeans registered since to be asked afresh
    /// what they declare. It runs twice a cycle: before the queries, so an MBean registered anew since the last
    /// cycle is read with what it declares now, and after the reads, so that a start the queries already saw is
    /// in the same snapshot as the first sight of its task. (A start drained only in the next cycle would count
    /// as a restart of a task seen once; a start drained before its task is seen waits for it: no restart.)
    fn drain_registrations(&mut self, ok: &mut NoPending<'_, '_>, snapshot: &mut Snapshot) {
        let Follow::On(r) = &self.follow else {
            return;
        };
        snapshot.follows_registrations = true;
        match ok.frame(16, |ok| r.drain(ok)) {
            Ok(drained) => {
                if drained.overflow {
                    self.names.relearn_all();
                }
                for name in &drained.registered {
                    self.names.relearn(name);
                }
                snapshot.starts.extend(drained.starts);
            }
            Err(_) => {
                // What was counted is lost: ask every MBean afresh, and count no restart this cycle.
                self.names.relearn_all();
                snapshot.follows_registrations = false;
            }
        }
    }

    /// The names of every MBean matching `pattern`.
    pub(super) fn query_names(
        &mut self,
        ok: &mut NoPending<'_, '_>,
        pattern: &str,
    ) -> JResult<jni::refs::Global<JObjectArray<'static>>> {
        if !self.queries.contains_key(pattern) {
            let name = self.m.new_name(ok, pattern)?;
            self.queries.insert(pattern.to_string(), name);
        }
        self.m.query_names(ok, &self.queries[pattern])
    }

    /// Reads one MBean's attributes. `Ok(None)` when it vanished since the query.
    #[allow(clippy::too_many_arguments)]
    fn read_mbean(
        &mut self,
        ok: &mut NoPending<'_, '_>,
        name: &Name<'_>,
        group: usize,
        attrs: Option<&[AttributeRequest]>,
        declared: &mut Option<Declared>,
        spread: u64,
        stats: &mut ReadStats,
    ) -> JResult<Option<Values>> {
        let names_local;
        let mut requested = attrs.map_or(0, |a| a.len());
        let request: Option<&Request> = match attrs {
            Some(a) => {
                self.requests.prepare(ok, group, a)?;
                // Following registrations, an MBean is asked again when it is registered anew, not by the clock.
                let recheck = !matches!(self.follow, Follow::On(_));
                let learnt = declared::learn(
                    &self.m,
                    &mut self.requests,
                    ok,
                    name,
                    declared,
                    spread,
                    group,
                    a,
                    (self.cycle, recheck),
                );
                match learnt {
                    Ok(()) => {}
                    // InstanceNotFoundException: unregistered between queryNames and now.
                    Err(JniError::JavaException) => return Ok(None),
                    Err(e) => return Err(e),
                }
                let d = declared.unwrap_or_else(|| unreachable!("learned above"));
                requested = d.requested;
                Some(self.requests.get(group, d.subset))
            }
            None => None,
        };
        let names: &JObjectArray<JString> = match request {
            Some(r) => &r.array,
            None => match self.m.declared_names(ok, name) {
                Ok(n) => {
                    names_local = n;
                    &names_local
                }
                Err(JniError::JavaException) => return Ok(None),
                Err(e) => return Err(e),
            },
        };
        let Some(list) = self.m.get_attributes(ok, name, names)? else {
            return Ok(None);
        };
        let (array, n) = self.m.list_elements(ok, &list)?;
        // Reading up to `n` elements of `array` below: ArrayList keeps `size` within `elementData`.
        let elements = match ok.elements(&array) {
            Ok(e) if e.len() >= n => Some(e),
            _ if n == 0 => None,
            _ => return Err(JniError::NullPtr("attribute list elements")),
        };
        // Which attributes came back, only when some did not: for the line that says which.
        let mut returned: Option<Vec<Cow<'static, str>>> = (attrs.is_some() && n < requested).then(Vec::new);
        // Up to four local references per attribute (itself, name, value, a toString() result), released with
        // the caller's frame.
        ok.ensure_local_capacity(4 * n + 8)?;
        let mut values = Vec::with_capacity(n);
        // Where the next attribute is expected in the request, and whether names still match by identity.
        let mut next = 0;
        let mut by_identity = true;
        for i in 0..n {
            let Some(attr) = elements.as_ref().and_then(|e| ok.element(e, i)) else {
                return Err(JniError::NullPtr("attribute list elements"));
            };
            let (attr_name, value) = self.m.attribute_parts(ok, &attr)?;
            let mut matched: Option<&AttributeRequest> = None;
            if let (Some(r), Some(a), true) = (request, attrs, by_identity) {
                match r.position_of(ok, &attr_name, next) {
                    Some(j) => {
                        matched = Some(&a[r.names[j].1]);
                        next = j + 1;
                    }
                    None => by_identity = false,
                }
            }
            let (attr_name, items): (Cow<'static, str>, &[&'static str]) = match matched {
                Some(r) => (Cow::Borrowed(r.name), &r.items),
                None => {
                    let s = text(ok, &attr_name)?;
                    match attrs.and_then(|a| a.iter().find(|r| r.name == s)) {
                        Some(r) => (Cow::Borrowed(r.name), &r.items),
                        None => (Cow::Owned(s), &[]),
                    }
                }
            };
            if let Some(r) = returned.as_mut() {
                r.push(attr_name.clone());
            }
            match convert(&self.m, &self.requests.item_keys, ok, &value, items) {
                Ok(Some(v)) => values.push((attr_name, v)),
                // Not an error: the MBean has no value (a memory pool without collection usage).
                Ok(None) => {
                    stats.skipped_null += 1;
                    let m = &self.m;
                    self.explain
                        .note(Event::Null, group, 1, || explain::null_value(m, ok, name, &attr_name));
                }
                // The exception is cleared already.
                Err(JniError::JavaException) => {
                    stats.error("conversion");
                    let m = &self.m;
                    self.explain.note(Event::Conversion, group, 1, || {
                        explain::conversion(m, ok, name, &attr_name, &value)
                    });
                }
                Err(e) => return Err(e),
            }
        }
        // getAttributes leaves out attributes whose getter threw: fewer came back than were requested. (A null
        // value or one that did not convert came back, and is counted as what it is.)
        if let (Some(returned), Some(r), Some(a)) = (returned, request, attrs) {
            // What Kafka's getters lack while a task or the worker starts is no error; the rest is.
            let (starting, failed): (Vec<&AttributeRequest>, Vec<&AttributeRequest>) = r
                .names
                .iter()
                .map(|(_, i)| &a[*i])
                .filter(|q| !returned.iter().any(|x| x == q.name))
                .partition(|q| q.throws_while_starting);
            for _ in &failed {
                stats.error("attribute");
            }
            stats.skipped_starting += starting.len() as u64;
            let m = &self.m;
            for (event, left_out) in [(Event::Attribute, failed), (Event::Starting, starting)] {
                if !left_out.is_empty() {
                    self.explain.note(event, group, left_out.len() as u64, || {
                        explain::missing(m, ok, name, left_out.iter().map(|q| q.name))
                    });
                }
            }
        }
        stats.attributes += values.len() as u64;
        Ok(Some(values))
    }

    /// Reads the `index`th of `object_names`, query `query`'s result, if its group is read. `Ok(None)`:
    /// skipped (counted if an error).
    fn read_one(
        &mut self,
        ok: &mut NoPending<'_, '_>,
        query: usize,
        object_names: &Elements<'_>,
        index: usize,
        plan: &ReadPlan,
        stats: &mut ReadStats,
    ) -> JResult<Option<MBeanSample>> {
        let Some(object_name) = ok.element(object_names, index) else {
            return Err(JniError::NullPtr("queryNames element"));
        };
        let (slot, object_name) = self
            .names
            .slot_of(&self.m, ok, query, index, object_name, plan, self.cycle)?;
        // What is needed is copied out so the reader can be borrowed again.
        let found = match self.names.known(slot) {
            Some(known) => known.to_read(),
            None => unreachable!("slot_of returns an occupied slot"),
        };
        let (name, group, before, spread) = match found {
            ToRead::Yes {
                name,
                group,
                declared,
                spread,
            } => (name, group, declared, spread),
            ToRead::No => return Ok(None),
            ToRead::BadName => {
                stats.error("name");
                let m = &self.m;
                self.explain
                    .note(Event::Name, NO_GROUP, 1, || explain::bad_name(m, ok, &object_name));
                return Ok(None);
            }
        };
        let mut declared = before;
        let attrs = plan.attributes[group].as_deref();
        let read = self.read_mbean(ok, &object_name, group, attrs, &mut declared, spread, stats);
        if declared != before {
            if let Some(k) = self.names.known_mut(slot) {
                k.declared = declared;
            }
        }
        match read? {
            Some(values) => {
                stats.mbeans += 1;
                Ok(Some(MBeanSample { name, group, values }))
            }
            None => {
                stats.error("vanished");
                let m = &self.m;
                self.explain
                    .note(Event::Vanished, group, 1, || explain::vanished(m, ok, &object_name));
                Ok(None)
            }
        }
    }

    /// One full read for `plan`.
    pub fn read(&mut self, env: &mut Env<'_>, plan: &ReadPlan) -> Snapshot {
        let mut ok = NoPending::clear(env);
        let mut snapshot = Snapshot::default();
        let mut stats = ReadStats::default();
        self.follow_registrations(&mut ok, plan, &mut snapshot);
        self.cycle += 1;
        self.explain.begin(Instant::now());
        self.names.begin(plan.queries.len());
        for (query, pattern) in plan.queries.iter().enumerate() {
            let object_names = match ok.frame(8, |ok| self.query_names(ok, pattern)) {
                Ok(names) => names,
                Err(e) => {
                    stats.error("query");
                    self.explain.note(Event::Query, NO_GROUP, 1, || {
                        format!("queryNames({pattern}) failed: {e}")
                    });
                    continue;
                }
            };
            let elements = match ok.elements(&object_names) {
                Ok(elements) => elements,
                Err(e) => {
                    stats.error("query");
                    self.explain
                        .note(Event::Query, NO_GROUP, 1, || format!("queryNames({pattern}): {e}"));
                    continue;
                }
            };
            self.names.listed(query, elements.len());
            for index in 0..elements.len() {
                match ok.frame(64, |ok| self.read_one(ok, query, &elements, index, plan, &mut stats)) {
                    Ok(Some(sample)) => snapshot.mbeans.push(sample),
                    Ok(None) => {}
                    // The exception, if any, is cleared already.
                    Err(e) => {
                        stats.error("jni");
                        self.explain.note(Event::Jni, NO_GROUP, 1, || {
                            format!("reading MBean {index} of queryNames({pattern}): {e}")
                        });
                    }
                }
            }
        }
        self.names.forget_unseen(self.cycle);
        // (Not after a failed drain: this cycle counts no restart anyway.)
        if snapshot.follows_registrations {
            self.drain_registrations(&mut ok, &mut snapshot);
        }
        snapshot.stats = stats;
        snapshot
    }
}
