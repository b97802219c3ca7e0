//! Span requests that fit a collector's message limit. A default OpenTelemetry Collector takes 4 MiB per gRPC
//! message and refuses a larger one whole (`ResourceExhausted`), losing every span in it; so the export
//! thread closes a batch before its spans' encoded size passes [`MAX_REQUEST_BYTES`] (the limit the metric
//! export uses, leaving 1 MiB for the resource), and a span that alone would pass it is trimmed first.
//!
//! The size is an estimate, not an encoding: encoding each span twice (once to measure, once in the
//! exporter) would double the export thread's work and memory. The estimate counts every protobuf field of
//! the OTLP `Span` the exporter builds, with each length prefix and integer at its widest (5 and 10 bytes) and
//! the span's instrumentation scope as if it had a `ScopeSpans` of its own, so it is never below the real
//! size (the tests check this against opentelemetry-proto's conversion) and at most a few bytes per field above.

use opentelemetry::trace::{Event, Link, Status};
use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

pub use crate::config::MAX_REQUEST_BYTES;

/// A tag and a length prefix at its widest.
const LEN_FIELD: usize = 1 + 5;
/// A tag and a varint at its widest.
const VARINT_FIELD: usize = 1 + 10;
const FIXED64_FIELD: usize = 1 + 8;
const FIXED32_FIELD: usize = 1 + 4;

fn string_field(s: &str) -> usize {
    LEN_FIELD + s.len()
}

fn any_value(v: &Value) -> usize {
    match v {
        Value::Bool(_) => 2,
        Value::I64(_) => VARINT_FIELD,
        Value::F64(_) => FIXED64_FIELD,
        Value::String(s) => string_field(s.as_str()),
        // ArrayValue { repeated AnyValue values }: each element is an AnyValue message of its own.
        Value::Array(a) => {
            LEN_FIELD
                + match a {
                    Array::Bool(v) => v.len() * (LEN_FIELD + 2),
                    Array::I64(v) => v.len() * (LEN_FIELD + VARINT_FIELD),
                    Array::F64(v) => v.len() * (LEN_FIELD + FIXED64_FIELD),
                    Array::String(v) => v.iter().map(|s| LEN_FIELD + string_field(s.as_str())).sum(),
                    // A kind of array added later: as if each element were a widest string.
                    _ => LEN_FIELD + a.to_string().len() * 2,
                }
        }
        _ => LEN_FIELD + v.as_str().len() * 2,
    }
}

/// One attribute as a `KeyValue` field of its message.
pub fn attribute(kv: &KeyValue) -> usize {
    LEN_FIELD + string_field(kv.key.as_str()) + LEN_FIELD + any_value(&kv.value)
}

fn attributes(kvs: &[KeyValue]) -> usize {
    kvs.iter().map(attribute).sum()
}

/// One event as a field of its span.
pub fn event(e: &Event) -> usize {
    LEN_FIELD + FIXED64_FIELD + string_field(&e.name) + attributes(&e.attributes) + VARINT_FIELD
}

/// One link as a field of its span.
pub fn link(l: &Link) -> usize {
    LEN_FIELD
        + (LEN_FIELD + 16)
        + (LEN_FIELD + 8)
        + string_field(&l.span_context.trace_state().header())
        + attributes(&l.attributes)
        + VARINT_FIELD
        + FIXED32_FIELD
}

/// The most bytes `span` adds to an export request.
pub fn span(s: &SpanData) -> usize {
    let scope = &s.instrumentation_scope;
    let scope_spans = LEN_FIELD
        + LEN_FIELD
        + string_field(scope.name())
        + string_field(scope.version().unwrap_or(""))
        + string_field(scope.schema_url().unwrap_or(""));
    let status_message = match &s.status {
        Status::Error { description } => description.len(),
        _ => 0,
    };
    scope_spans
        + LEN_FIELD
        + (LEN_FIELD + 16)
        + (LEN_FIELD + 8)
        + string_field(&s.span_context.trace_state().header())
        + (LEN_FIELD + 8)
        + FIXED32_FIELD
        + string_field(&s.name)
        + VARINT_FIELD
        + 2 * FIXED64_FIELD
        + attributes(&s.attributes)
        + 3 * VARINT_FIELD
        + s.events.iter().map(event).sum::<usize>()
        + s.links.iter().map(link).sum::<usize>()
        + LEN_FIELD
        + LEN_FIELD
        + status_message
        + VARINT_FIELD
}

/// Cuts `s` down until its estimate is at most `max` bytes: attributes first (from the last one set), then
/// events (from the last one), then links, each counted in the span's dropped counts. Returns the new
/// estimate and whether anything was dropped. Names and the status message are bounded at decoding, so a
/// span with nothing left to drop fits whatever limit the export uses.
pub fn trim(s: &mut SpanData, max: usize) -> (usize, bool) {
    let mut size = span(s);
    let before = size;
    while size > max {
        let Some(kv) = s.attributes.pop() else { break };
        size -= attribute(&kv);
        s.dropped_attributes_count = s.dropped_attributes_count.saturating_add(1);
    }
    while size > max {
        let Some(e) = s.events.events.pop() else { break };
        size -= event(&e);
        s.events.dropped_count = s.events.dropped_count.saturating_add(1);
    }
    while size > max {
        let Some(l) = s.links.links.pop() else { break };
        size -= link(&l);
        s.links.dropped_count = s.links.dropped_count.saturating_add(1);
    }
    (size, size != before)
}

/// Spans waiting for export, closed into requests by count and by estimated size.
#[derive(Default)]
pub struct Batch {
    pub spans: Vec<SpanData>,
    bytes: usize,
}

impl Batch {
    /// Adds a span of estimated `size`. When it would take the batch past `max_bytes`, the spans before it
    /// are returned, to be exported first, and the span starts the next batch.
    pub fn push(&mut self, span: SpanData, size: usize, max_bytes: usize) -> Option<Vec<SpanData>> {
        let full = if !self.spans.is_empty() && self.bytes + size > max_bytes {
            Some(self.take())
        } else {
            None
        };
        self.bytes += size;
        self.spans.push(span);
        full
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn take(&mut self) -> Vec<SpanData> {
        self.bytes = 0;
        std::mem::take(&mut self.spans)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Sampler, TracesConfig};
    use crate::spans::codec::{sample, AttrValue, JavaEvent, JavaLink};
    use opentelemetry::InstrumentationScope;
    use prost::Message;
    use std::time::Duration;

    fn limits() -> TracesConfig {
        TracesConfig {
            sampler: Sampler::ParentAlwaysOn,
            attribute_count_limit: 100_000,
            event_count_limit: 100_000,
            link_count_limit: 100_000,
            attribute_value_length_limit: None,
            schedule_delay: Duration::from_secs(5),
            max_queue_size: 10,
            max_queue_bytes: 1 << 20,
            max_export_batch_size: 5,
        }
    }

    fn data(s: crate::spans::codec::JavaSpan) -> SpanData {
        let scope = InstrumentationScope::builder(s.tracer_name.clone())
            .with_version(s.tracer_version.clone())
            .build();
        crate::spans::span_data(s, &limits(), scope)
    }

    /// The real size: the OTLP span the exporter builds, in its own `ScopeSpans`, as a field of a request.
    fn exact(s: &SpanData) -> usize {
        use opentelemetry_proto::tonic::common::v1::InstrumentationScope as Scope;
        use opentelemetry_proto::tonic::trace::v1::{ScopeSpans, Span};
        let scope = &s.instrumentation_scope;
        let ss = ScopeSpans {
            scope: Some(Scope {
                name: scope.name().to_owned(),
                version: scope.version().unwrap_or("").to_owned(),
                attributes: vec![],
                dropped_attributes_count: 0,
            }),
            spans: vec![Span::from(s.clone())],
            schema_url: String::new(),
        };
        let n = ss.encoded_len();
        1 + prost::length_delimiter_len(n) + n
    }

    /// Spans of every shape: the sample, many attributes, every kind of array, big strings, many events
    /// and links, a root, an unset status.
    fn shapes() -> Vec<SpanData> {
        let mut out = vec![data(sample())];
        let mut big = sample();
        big.name = "n".repeat(5000);
        big.status_message = "é".repeat(3000);
        big.attributes = (0..300)
            .map(|i| match i % 8 {
                0 => (format!("s{i}"), AttrValue::Str("x".repeat(i * 37))),
                1 => (format!("b{i}"), AttrValue::Bool(true)),
                2 => (format!("i{i}"), AttrValue::I64(-(i as i64) * 1_000_000_007)),
                3 => (format!("f{i}"), AttrValue::F64(i as f64 / 3.0)),
                4 => (format!("sa{i}"), AttrValue::StrArray(vec!["ab".repeat(i); i % 13])),
                5 => (format!("ba{i}"), AttrValue::BoolArray(vec![true; i])),
                6 => (format!("ia{i}"), AttrValue::I64Array(vec![i64::MIN; i])),
                _ => (format!("fa{i}"), AttrValue::F64Array(vec![0.1; i])),
            })
            .collect();
        big.events = (0..50)
            .map(|i| JavaEvent {
                time_nanos: i,
                name: format!("event {i}"),
                dropped_attributes: 0,
                attributes: vec![("k".into(), AttrValue::I64Array(vec![7; i as usize]))],
            })
            .collect();
        big.links = (0..40)
            .map(|i| JavaLink {
                trace_id: 1 + i,
                span_id: 2 + i as u64,
                flags: 1,
                remote: i % 2 == 0,
                // The widest list a Java tracestate may be (32 members, 512 characters).
                trace_state: format!("k{i}={}", "v".repeat(500)),
                dropped_attributes: 0,
                attributes: vec![("l".into(), AttrValue::Str("v".repeat(i as usize)))],
            })
            .collect();
        out.push(data(big));
        let mut root = sample();
        root.parent_span_id = 0;
        root.status = 0;
        root.attributes.clear();
        root.events.clear();
        root.links.clear();
        out.push(data(root));
        out
    }

    #[test]
    fn the_estimate_is_never_below_the_encoded_size_and_close_to_it() {
        for s in shapes() {
            let (estimate, real) = (span(&s), exact(&s));
            assert!(estimate >= real, "estimate {estimate} < encoded {real}");
            assert!(
                estimate <= real * 3 + 512,
                "estimate {estimate} far above encoded {real}"
            );
        }
    }

    #[test]
    fn a_span_too_large_is_trimmed_attributes_then_events_then_links_with_counts() {
        let mut s = shapes().remove(1);
        let (attrs, events, links) = (s.attributes.len(), s.events.len(), s.links.len());
        let dropped_before = s.dropped_attributes_count;
        let first_key = s.attributes[0].key.clone();
        // Room for a few attributes only: events and links stay.
        let room = span(&s) - 40_000;
        let (size, trimmed) = trim(&mut s, room);
        assert!(trimmed);
        assert_eq!(size, span(&s), "the returned size is the new estimate");
        assert!(exact(&s) <= size);
        assert!(
            s.attributes.len() < attrs && s.attributes[0].key == first_key,
            "cut from the end"
        );
        assert_eq!(
            s.dropped_attributes_count - dropped_before,
            (attrs - s.attributes.len()) as u32
        );
        assert_eq!((s.events.len(), s.links.len()), (events, links));
        // Too little room even without attributes: events go, then links.
        let mut bare = s.clone();
        bare.attributes.clear();
        bare.events.events.clear();
        bare.links.links.clear();
        let room = span(&bare) + s.links.iter().map(link).sum::<usize>() / 2;
        let (size, _) = trim(&mut s, room);
        assert!(size <= room, "{size}");
        assert!(s.attributes.is_empty());
        assert!(s.events.is_empty() && s.events.dropped_count == 2 + events as u32);
        assert!(s.links.len() < links && s.links.dropped_count == (links - s.links.len()) as u32);
        // A span within the limit is untouched.
        let mut small = data(sample());
        let copy = small.clone();
        assert_eq!(trim(&mut small, MAX_REQUEST_BYTES), (span(&copy), false));
        assert_eq!(small.attributes, copy.attributes);
    }

    #[test]
    fn batches_close_before_passing_the_byte_limit_and_keep_every_span_once_in_order() {
        let mut batch = Batch::default();
        let mut sent: Vec<Vec<SpanData>> = Vec::new();
        let mut sizes = Vec::new();
        for i in 0..1000u64 {
            let mut s = data(sample());
            s.span_context = opentelemetry::trace::SpanContext::new(
                opentelemetry::trace::TraceId::from(1u128),
                opentelemetry::trace::SpanId::from(i + 1),
                Default::default(),
                false,
                Default::default(),
            );
            // Two spans of most of a request among many small ones.
            let size = if i == 10 || i == 11 { 900 } else { 7 };
            sizes.push(size);
            if let Some(full) = batch.push(s, size, 1000) {
                sent.push(full);
            }
        }
        sent.push(batch.take());
        let ids: Vec<u64> = sent
            .iter()
            .flatten()
            .map(|s| u64::from_be_bytes(s.span_context.span_id().to_bytes()))
            .collect();
        assert_eq!(ids, (1..=1000).collect::<Vec<_>>());
        let mut at = 0;
        for b in &sent {
            let bytes: usize = sizes[at..at + b.len()].iter().sum();
            assert!(bytes <= 1000, "a request of {bytes} bytes");
            at += b.len();
        }
        let holding = |id: u64| {
            sent.iter().position(|b| {
                b.iter()
                    .any(|s| s.span_context.span_id() == opentelemetry::trace::SpanId::from(id))
            })
        };
        assert_ne!(holding(11), holding(12), "the two big spans never share a request");
        assert!(batch.take().is_empty());
    }
}
