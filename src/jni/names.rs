//! The MBeans the reader has seen, recognised cheaply from one cycle to the next.
//!
//! Two caches: an MBean found where it was in last cycle's `queryNames` result is recognised by the identity
//! of its `ObjectName` (the server hands back its own instances, in the same order while its MBeans stay the
//! same): one JNI call, no type check needed (the kept name was checked when it was new). Otherwise its
//! canonical name is read into a reused buffer and looked up in a cache of parsed names and their group.
//! Either way an MBean seen before costs no allocation and no parsing.

use std::collections::HashMap;
use std::sync::Arc;

use jni::errors::Result as JResult;
use jni::objects::JObject;

use super::declared::{Declared, RECHECK_CYCLES};
use super::methods::{KeptName, Methods, Name};
use super::raw::NoPending;
use crate::collect::objectname::ObjectName;
use crate::collect::plan::ReadPlan;

/// What the reader keeps of an MBean seen in the last cycle.
pub struct Known {
    /// `None`: not a name we can parse (counted as a `name` error on every cycle, as when first seen).
    name: Option<Arc<ObjectName>>,
    /// `None`: not read (no group, disabled, or filtered out).
    pub group: Option<usize>,
    /// Which of its group's attributes it declares; `None` until learned.
    pub declared: Option<Declared>,
    /// Spreads re-checks over cycles so that MBeans first seen together are not all asked at once.
    spread: u64,
    seen: u64,
}

/// What the reader needs of a [`Known`].
pub enum ToRead {
    Yes {
        name: Arc<ObjectName>,
        group: usize,
        declared: Option<Declared>,
        spread: u64,
    },
    /// Not in a group we read.
    No,
    BadName,
}

impl Known {
    /// A first-seen MBean, from its canonical name (UTF-16).
    fn new(canonical: &[u16], plan: &ReadPlan, cycle: u64) -> Known {
        let canonical = String::from_utf16_lossy(canonical);
        let name = ObjectName::parse(&canonical).map(Arc::new);
        let group = name.as_ref().and_then(|n| plan.classify(n));
        let spread = canonical
            .bytes()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64))
            % RECHECK_CYCLES;
        Known {
            name,
            group,
            declared: None,
            spread,
            seen: cycle,
        }
    }

    pub fn to_read(&self) -> ToRead {
        match (&self.name, self.group) {
            (Some(name), Some(group)) => ToRead::Yes {
                name: Arc::clone(name),
                group,
                declared: self.declared,
                spread: self.spread,
            },
            (Some(_), None) => ToRead::No,
            (None, _) => ToRead::BadName,
        }
    }
}

/// An `ObjectName` seen at a position of a query's result, and the slot of its MBean in `MBeanNames::known`.
type Position = (KeptName, usize);

/// Every MBean seen in the last cycle. A reader reads one plan (the agent and the benchmark build theirs
/// once), so the group found for an MBean stays valid.
#[derive(Default)]
pub struct MBeanNames {
    /// Per MBean, in a slot: its parsed name, group, declared attributes.
    known: Vec<Option<Known>>,
    /// Slots of `known` that are free.
    free: Vec<usize>,
    /// The slot of each MBean in `known`, by canonical name (UTF-16).
    by_canonical: HashMap<Vec<u16>, usize>,
    /// Per query (index in the plan's queries), per position in its last result: the `ObjectName` found
    /// there and its MBean's slot.
    positions: Vec<Vec<Option<Position>>>,
    /// The canonical name being looked up, reused.
    canonical: Vec<u16>,
}

impl MBeanNames {
    /// Before a cycle's queries: one list of positions per query.
    pub fn begin(&mut self, queries: usize) {
        self.positions.resize_with(queries, Vec::new);
    }

    /// After query `query` returned `n` names: positions past its end are gone.
    pub fn listed(&mut self, query: usize, n: usize) {
        self.positions[query].truncate(n);
    }

    pub fn known(&self, slot: usize) -> Option<&Known> {
        self.known[slot].as_ref()
    }

    pub fn known_mut(&mut self, slot: usize) -> Option<&mut Known> {
        self.known[slot].as_mut()
    }

    /// The slot of the MBean named `object_name`, found at `index` of query `query`'s result (marked seen at
    /// `cycle`; a first-seen MBean gets one), and the name checked to be an `ObjectName`.
    #[allow(clippy::too_many_arguments)]
    pub fn slot_of<'l>(
        &mut self,
        m: &Methods,
        ok: &mut NoPending<'_, 'l>,
        query: usize,
        index: usize,
        object_name: JObject<'l>,
        plan: &ReadPlan,
        cycle: u64,
    ) -> JResult<(usize, Name<'l>)> {
        let name = match self.positions[query].get(index) {
            Some(Some((there, slot))) => match m.same_name(ok, object_name, there) {
                Ok(name) => {
                    if let Some(known) = self.known[*slot].as_mut() {
                        known.seen = cycle;
                        return Ok((*slot, name));
                    }
                    name
                }
                Err(other) => m.checked_name(ok, other)?,
            },
            _ => m.checked_name(ok, object_name)?,
        };
        m.canonical_name(ok, &name, &mut self.canonical)?;
        let slot = match self.by_canonical.get(self.canonical.as_slice()) {
            Some(&slot) => slot,
            None => {
                let known = Some(Known::new(&self.canonical, plan, cycle));
                let slot = match self.free.pop() {
                    Some(slot) => {
                        self.known[slot] = known;
                        slot
                    }
                    None => {
                        self.known.push(known);
                        self.known.len() - 1
                    }
                };
                self.by_canonical.insert(self.canonical.clone(), slot);
                slot
            }
        };
        if let Some(known) = self.known[slot].as_mut() {
            known.seen = cycle;
        }
        let there = Some((m.keep(ok, &name)?, slot));
        let positions = &mut self.positions[query];
        if positions.len() <= index {
            positions.resize_with(index + 1, || None);
        }
        positions[index] = there;
        Ok((slot, name))
    }

    /// The MBean named `canonical` was registered anew: the next cycle asks it afresh what it declares.
    pub fn relearn(&mut self, canonical: &str) {
        self.canonical.clear();
        self.canonical.extend(canonical.encode_utf16());
        if let Some(&slot) = self.by_canonical.get(self.canonical.as_slice()) {
            if let Some(known) = self.known[slot].as_mut() {
                known.declared = None;
            }
        }
    }

    /// Every MBean may have changed (registrations were lost).
    pub fn relearn_all(&mut self) {
        for known in self.known.iter_mut().flatten() {
            known.declared = None;
        }
    }

    /// Forgets the MBeans not seen at `cycle` (a re-registered one is asked afresh), and every position that
    /// names one, so that a freed slot is never reached by an old position.
    pub fn forget_unseen(&mut self, cycle: u64) {
        let (known, free) = (&mut self.known, &mut self.free);
        self.by_canonical.retain(|_, &mut slot| {
            let seen = known[slot].as_ref().is_some_and(|k| k.seen == cycle);
            if !seen {
                known[slot] = None;
                free.push(slot);
            }
            seen
        });
        for position in self.positions.iter_mut().flatten() {
            if position.as_ref().is_some_and(|(_, slot)| known[*slot].is_none()) {
                *position = None;
            }
        }
    }
}
