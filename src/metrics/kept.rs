//! What the mapping keeps from one collection to the next: each MBean's shared attributes, reused while its
//! identity holds.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use opentelemetry::KeyValue;

use super::census::{connector_type, entity_identity, key_values, Census};
use super::series::{text, SharedAttributes};
use crate::collect::objectname::ObjectName;
use crate::collect::rules::{CONNECTOR_TYPE, GROUPS};
use crate::collect::snapshot::MBeanSample;

/// Label attributes found in an MBean's values (keys from the rule table), added to its identity.
pub(super) type Labels<'a> = Vec<(&'static str, Cow<'a, str>)>;

/// Hashes [`Kept`]'s keys, addresses of our own names (and the series ends' keys, addresses with short
/// attribute names): SipHash's defence against chosen keys is not needed there, and hashing 6,400 addresses
/// with it showed in the mapping's profile.
#[derive(Default)]
pub(super) struct AddressHasher(u64);

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
pub(super) struct Kept {
    pub(super) by_name: HashMap<usize, KeptAttributes, std::hash::BuildHasherDefault<AddressHasher>>,
    pub(super) cycle: u64,
    /// Which census is in use: it changes only when an MBean of the `kafka.connect` domain comes or goes, or
    /// a connector type changes.
    pub(super) census: u64,
    /// Each bucket's length last cycle (per group, per rule), its capacity this cycle: growing 50,000
    /// series by doubling would copy them again.
    pub(super) bucket_lens: Vec<Vec<usize>>,
}

pub(super) struct KeptAttributes {
    pub(super) _name: Arc<ObjectName>,
    pub(super) shared: Arc<SharedAttributes>,
    /// Where the labels start in `shared` (the attributes from the name and the census come first).
    pub(super) labels_at: usize,
    /// The connector type in `shared`, for the rules of one task type.
    pub(super) task_type: Option<&'static str>,
    /// The census `shared` was last checked against: while it is in use, the part from the name and the
    /// census holds without working it out again.
    pub(super) census: u64,
    /// The info metric's attributes (`shared`'s, then the info labels), if the group has one.
    pub(super) info: Option<Arc<SharedAttributes>>,
    pub(super) seen: u64,
}

impl Kept {
    /// The attributes shared by `sample`'s series, and its connector type; `None` when the MBean cannot be
    /// attributed. Last collection's when they still hold.
    pub(super) fn shared(
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
    pub(super) fn info(
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
pub(super) fn holds(built: &[KeyValue], found: &[(impl AsRef<str>, Cow<'_, str>)]) -> bool {
    built.len() == found.len()
        && built
            .iter()
            .zip(found)
            .all(|(kv, (k, v))| kv.key.as_str() == k.as_ref() && kv.value.as_str() == v.as_ref())
}
