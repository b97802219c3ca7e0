//! The series model every stage after the snapshot shares: one collection's series by metric name, each with
//! the attributes it shares with its MBean's other series.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use opentelemetry::{KeyValue, Value as OtelValue};

use super::proto;

/// The attributes every series of one MBean carries, with their OTLP encoding: made once per MBean and
/// shared, because building, cloning and dropping an attribute vector per series was most of the mapping
/// (and of the agent's native memory) at 1,000 tasks.
#[derive(Debug, PartialEq)]
pub struct SharedAttributes {
    pub(super) list: Vec<KeyValue>,
    pub(super) encoded: Vec<u8>,
}

impl SharedAttributes {
    pub fn new(list: Vec<KeyValue>) -> Arc<SharedAttributes> {
        let encoded = proto::point_attributes(&list);
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
    /// Success/failure percentages left out because both were 0: Kafka's window had no sample.
    pub skipped_no_samples: u64,
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

pub(super) fn text(v: impl Into<Arc<str>>) -> OtelValue {
    OtelValue::String(v.into().into())
}
