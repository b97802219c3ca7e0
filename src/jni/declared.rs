//! Learning which attributes an MBean declares, so that only those are requested.
//!
//! Why: Kafka's `JmxReporter` logs a WARN with a stack trace for every requested attribute an MBean lacks (a
//! source task without exactly-once has no `transaction-size-*`, Kafka 3.9 has no `header-converter-*`),
//! which would flood the worker's log on every cycle. So the first read of an MBean asks `getMBeanInfo` once,
//! and again after the MBean is registered anew (Kafka re-registers an MBean for each metric added to it or
//! removed: [`super::registrations`]); without registration notifications, an MBean lacking some attributes is
//! asked again every [`RECHECK_CYCLES`].

use jni::errors::Result as JResult;

use super::methods::{Methods, Name};
use super::raw::NoPending;
use super::request::Requests;
use crate::collect::plan::AttributeRequest;

/// How often (in cycles) an MBean lacking some attributes is asked again what it declares.
pub const RECHECK_CYCLES: u64 = 20;

/// Which of its group's attributes an MBean declares.
#[derive(Clone, Copy, PartialEq)]
pub struct Declared {
    /// `None`: every attribute of the group; else the subset's index in [`Requests`].
    pub subset: Option<usize>,
    /// How many attributes are requested.
    pub requested: usize,
    recheck_at: u64,
}

/// Which of `attrs` the MBean declares, from its `MBeanInfo`.
fn declared_subset(
    m: &Methods,
    ok: &mut NoPending<'_, '_>,
    name: &Name<'_>,
    attrs: &[AttributeRequest],
) -> JResult<Vec<bool>> {
    let names = m.declared_names(ok, name)?;
    let declared = ok.java(|env| {
        let n = names.len(env)?;
        let mut declared = Vec::with_capacity(n);
        for i in 0..n {
            let s = names.get_element(env, i)?;
            declared.push(s.try_to_string(env)?);
            env.delete_local_ref(s);
        }
        Ok(declared)
    })?;
    Ok(attrs.iter().map(|a| declared.iter().any(|d| d == a.name)).collect())
}

/// Learns (or re-learns, when due at `cycle` and `recheck` is on) which attributes of `group` the MBean `name`
/// declares. `spread` spreads re-checks over cycles so that MBeans first seen together are not all asked at
/// once. (With registration notifications followed, `recheck` is off: a registration clears `known` instead.)
#[allow(clippy::too_many_arguments)]
pub fn learn(
    m: &Methods,
    requests: &mut Requests,
    ok: &mut NoPending<'_, '_>,
    name: &Name<'_>,
    known: &mut Option<Declared>,
    spread: u64,
    group: usize,
    attrs: &[AttributeRequest],
    (cycle, recheck): (u64, bool),
) -> JResult<()> {
    if let Some(k) = known {
        if k.subset.is_none() || !recheck || cycle < k.recheck_at {
            return Ok(());
        }
    }
    let which = declared_subset(m, ok, name, attrs)?;
    let requested = which.iter().filter(|w| **w).count();
    let subset = if requested == attrs.len() {
        None
    } else {
        Some(requests.subset(ok, group, attrs, which)?)
    };
    *known = Some(Declared {
        subset,
        requested,
        recheck_at: cycle + RECHECK_CYCLES + spread,
    });
    Ok(())
}
