//! Spans from the Java tracing API to OTLP: a bounded queue the callers' threads only offer spans to (copied
//! once, straight from the caller's reused Java buffer), and one thread of ours that decodes, batches and
//! exports.
//!
//! Why not the SDK's tracer: the span ids are decided on the Java side (so `traceparent` headers and parent
//! links are right before the span ever reaches us), and since 0.32 the Rust SDK's span builder takes no
//! explicit ids. The SDK's `SpanData` is plain data, so we build it directly and hand batches to the OTLP
//! span exporter. A full queue drops the span and counts it (`connect_otel.spans.dropped`); a caller never
//! waits, and after a drop it asks for room before encoding its next span ([`room_or_drop`]), so a queue that
//! stays full (a collector that is down) costs the callers little.
//!
//! Bounded in memory whatever the callers send: the queue by spans and by bytes, each name, key and string
//! value by length at decoding ([`MAX_NAME_BYTES`], [`MAX_VALUE_BYTES`]; the Java API cuts them before
//! encoding), and the batch by its encoded size ([`size`]), which also keeps each request under a collector's
//! message limit; a span too large for any request is trimmed and counted (`connect_otel.spans.trimmed`).

pub mod codec;
mod queue;
pub mod size;

use std::borrow::Cow;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, RwLock};
use std::task::{Context as TaskContext, Poll, Wake};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use once_cell::sync::Lazy;
use opentelemetry::trace::{Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState};
use opentelemetry::{InstrumentationScope, KeyValue, Value};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanExporter, SpanLinks};
use opentelemetry_sdk::Resource;

use crate::config::{ExporterConfig, Protocol, Sampler, TracesConfig};
use crate::diag::log::{Level, RateLimited};
use codec::{AttrValue, JavaSpan};
use queue::SpanQueue;
use size::{Batch, MAX_REQUEST_BYTES};

/// The most bytes of a span, event or tracer name, or of an attribute key, after decoding: the Java API cuts
/// them at 1,024 characters (at most 3 bytes each in UTF-8); this holds for any other encoder.
pub const MAX_NAME_BYTES: usize = 4096;
/// The most bytes of one string value: the API's hard cap of 32 Ki characters, as UTF-8.
pub const MAX_VALUE_BYTES: usize = 3 * 32 * 1024;

/// Counts behind the agent's `connect_otel.spans.*` metrics.
#[derive(Default)]
pub struct SpanCounters {
    pub dropped: AtomicU64,
    pub exported: AtomicU64,
    pub export_failures: AtomicU64,
    pub malformed: AtomicU64,
    /// Spans too large for one export request, exported with attributes, events or links dropped.
    pub trimmed: AtomicU64,
}

pub static COUNTERS: Lazy<SpanCounters> = Lazy::new(SpanCounters::default);
static QUEUE: Lazy<RwLock<Option<SpanQueue>>> = Lazy::new(|| RwLock::new(None));
static THREAD: Lazy<std::sync::Mutex<Option<mpsc::Receiver<()>>>> = Lazy::new(|| std::sync::Mutex::new(None));
static ERRORS: Lazy<RateLimited> = Lazy::new(|| RateLimited::new(Duration::from_secs(60)));

/// Called on the connector's thread before it encodes a span, after its previous span was dropped: whether
/// the queue has room now. When it has none, the span is dropped and counted (`connect_otel.spans.dropped`)
/// without being encoded or copied: with a collector that is down, the queue stays full. Never blocks.
pub fn room_or_drop() -> bool {
    let queue = QUEUE.read().unwrap_or_else(|e| e.into_inner());
    let room = queue.as_ref().is_some_and(SpanQueue::has_room);
    if !room {
        COUNTERS.dropped.fetch_add(1, Ordering::Relaxed);
    }
    room
}

/// Called on the connector's thread for each finished span of `len` bytes, which `copy` writes into the
/// buffer it is given, only when the queue has room. Never blocks. `Ok(false)`: dropped and counted
/// (`connect_otel.spans.dropped`); `Err`: `copy` failed, nothing queued or counted.
pub fn submit_with<E>(len: usize, copy: impl FnOnce(&mut [u8]) -> Result<(), E>) -> Result<bool, E> {
    let queue = QUEUE.read().unwrap_or_else(|e| e.into_inner());
    let taken = match queue.as_ref() {
        Some(q) => q.offer(len, copy)?,
        None => false,
    };
    if !taken {
        COUNTERS.dropped.fetch_add(1, Ordering::Relaxed);
    }
    Ok(taken)
}

/// The settings the Java API reads (positions as in its `internal.Settings`).
pub fn java_settings(c: &TracesConfig) -> [f64; 6] {
    let (mode, ratio) = match c.sampler {
        Sampler::AlwaysOn => (0.0, 1.0),
        Sampler::AlwaysOff => (1.0, 0.0),
        Sampler::Ratio(r) => (2.0, r),
        Sampler::ParentAlwaysOn => (3.0, 1.0),
        Sampler::ParentAlwaysOff => (4.0, 0.0),
        Sampler::ParentRatio(r) => (5.0, r),
    };
    [
        mode,
        ratio,
        c.attribute_count_limit as f64,
        c.event_count_limit as f64,
        c.link_count_limit as f64,
        c.attribute_value_length_limit.map(|l| l as f64).unwrap_or(-1.0),
    ]
}

/// `s` cut to at most `max` bytes, on a character boundary.
fn cut(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

fn value(v: AttrValue, max: usize) -> Value {
    match v {
        AttrValue::Str(s) => Value::from(cut(s, max)),
        AttrValue::Bool(b) => Value::Bool(b),
        AttrValue::I64(i) => Value::I64(i),
        AttrValue::F64(f) => Value::F64(f),
        AttrValue::StrArray(a) => Value::Array(
            a.into_iter()
                .map(|s| cut(s, max).into())
                .collect::<Vec<opentelemetry::StringValue>>()
                .into(),
        ),
        AttrValue::BoolArray(a) => Value::Array(a.into()),
        AttrValue::I64Array(a) => Value::Array(a.into()),
        AttrValue::F64Array(a) => Value::Array(a.into()),
    }
}

/// Attributes within the limits (count; key and value length); returns them and how many were dropped.
fn limited(attrs: Vec<(String, AttrValue)>, limits: &TracesConfig) -> (Vec<KeyValue>, u32) {
    let limit = limits.attribute_count_limit as usize;
    let dropped = attrs.len().saturating_sub(limit) as u32;
    // Bytes for the configured characters (4 at most each), never past the hard cap.
    let max = limits
        .attribute_value_length_limit
        .map_or(MAX_VALUE_BYTES, |l| (l as usize).saturating_mul(4).min(MAX_VALUE_BYTES));
    (
        attrs
            .into_iter()
            .take(limit)
            .map(|(k, v)| KeyValue::new(cut(k, MAX_NAME_BYTES), value(v, max)))
            .collect(),
        dropped,
    )
}

fn time(nanos: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(nanos.max(0) as u64)
}

fn kind(k: u8) -> SpanKind {
    match k {
        1 => SpanKind::Server,
        2 => SpanKind::Client,
        3 => SpanKind::Producer,
        4 => SpanKind::Consumer,
        _ => SpanKind::Internal,
    }
}

/// A decoded Java span as the SDK's exportable span data.
pub fn span_data(s: JavaSpan, limits: &TracesConfig, scope: InstrumentationScope) -> SpanData {
    let (attributes, over) = limited(s.attributes, limits);
    let event_count = s.events.len();
    let events: Vec<Event> = s
        .events
        .into_iter()
        .take(limits.event_count_limit as usize)
        .map(|e| {
            let (a, d) = limited(e.attributes, limits);
            Event::new(
                cut(e.name, MAX_NAME_BYTES),
                time(e.time_nanos),
                a,
                d.saturating_add(e.dropped_attributes),
            )
        })
        .collect();
    let link_count = s.links.len();
    let links: Vec<Link> = s
        .links
        .into_iter()
        .take(limits.link_count_limit as usize)
        .map(|l| {
            let (a, d) = limited(l.attributes, limits);
            let ctx = SpanContext::new(
                TraceId::from(l.trace_id),
                SpanId::from(l.span_id),
                TraceFlags::new(l.flags),
                l.remote,
                trace_state(&l.trace_state),
            );
            Link::new(ctx, a, d.saturating_add(l.dropped_attributes))
        })
        .collect();
    // Non-exhaustive types with public fields: filled through Default.
    let mut span_events = SpanEvents::default();
    span_events.dropped_count = s.dropped_events.saturating_add((event_count - events.len()) as u32);
    span_events.events = events;
    let mut span_links = SpanLinks::default();
    span_links.dropped_count = s.dropped_links.saturating_add((link_count - links.len()) as u32);
    span_links.links = links;
    let status = match s.status {
        1 => Status::Ok,
        2 => Status::Error {
            description: Cow::Owned(cut(s.status_message, MAX_VALUE_BYTES)),
        },
        _ => Status::Unset,
    };
    SpanData {
        span_context: SpanContext::new(
            TraceId::from(s.trace_id),
            SpanId::from(s.span_id),
            TraceFlags::new(s.flags),
            false,
            trace_state(&s.trace_state),
        ),
        parent_span_id: if s.parent_span_id == 0 {
            SpanId::INVALID
        } else {
            SpanId::from(s.parent_span_id)
        },
        parent_span_is_remote: s.parent_remote,
        span_kind: kind(s.kind),
        name: Cow::Owned(cut(s.name, MAX_NAME_BYTES)),
        start_time: time(s.start_nanos),
        end_time: time(s.end_nanos),
        attributes,
        dropped_attributes_count: s.dropped_attributes.saturating_add(over),
        events: span_events,
        links: span_links,
        status,
        instrumentation_scope: scope,
    }
}

/// A W3C `tracestate` list as the SDK keeps it; the Java API validated it, and anything the SDK still refuses
/// is left out rather than failing the span.
fn trace_state(list: &str) -> TraceState {
    if list.is_empty() {
        return TraceState::default();
    }
    list.parse().unwrap_or_default()
}

/// Polls a future to completion on this thread (the exporters' futures need no executor of their own; the
/// gRPC one does its I/O on the runtime owned by `otlp`).
fn block_on<F: Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = TaskContext::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park_timeout(Duration::from_millis(50)),
        }
    }
}

fn export(exporter: &opentelemetry_otlp::SpanExporter, protocol: Protocol, batch: Vec<SpanData>, endpoint: &str) {
    if batch.is_empty() {
        return;
    }
    let n = batch.len() as u64;
    let result = match protocol {
        Protocol::Grpc => crate::transport::with_runtime_context(|| block_on(exporter.export(batch))),
        Protocol::HttpProtobuf => block_on(exporter.export(batch)),
    };
    match result {
        Ok(()) => {
            COUNTERS.exported.fetch_add(n, Ordering::Relaxed);
        }
        Err(e) => {
            COUNTERS.export_failures.fetch_add(1, Ordering::Relaxed);
            COUNTERS.dropped.fetch_add(n, Ordering::Relaxed);
            ERRORS.write(
                Level::Warn,
                "spans-export",
                &format!("span export to {endpoint} failed ({n} spans dropped): {e}"),
            );
        }
    }
}

/// Decodes one span from the queue into the batch (a malformed one is counted and logged instead). A span
/// too large for a request of its own is trimmed; the spans before one that does not fit the batch are
/// returned, to be exported first.
fn add(bytes: &[u8], scopes: &mut Scopes, limits: &TracesConfig, batch: &mut Batch) -> Option<Vec<SpanData>> {
    match codec::decode(bytes) {
        Ok(s) => {
            let scope = scopes.get(
                cut_str(&s.tracer_name, MAX_NAME_BYTES),
                cut_str(&s.tracer_version, MAX_NAME_BYTES),
            );
            let mut d = span_data(s, limits, scope);
            let mut bytes = size::span(&d);
            if bytes > MAX_REQUEST_BYTES {
                bytes = size::trim(&mut d, MAX_REQUEST_BYTES).0;
                COUNTERS.trimmed.fetch_add(1, Ordering::Relaxed);
            }
            batch.push(d, bytes, MAX_REQUEST_BYTES)
        }
        Err(e) => {
            COUNTERS.malformed.fetch_add(1, Ordering::Relaxed);
            ERRORS.write(
                Level::Warn,
                "spans-malformed",
                &format!("a span from the tracing API was malformed: {e}"),
            );
            None
        }
    }
}

fn cut_str(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Each tracer's instrumentation scope, built once and found without allocating. Bounded: past
/// [`Scopes::MAX`] tracers (a connector making up endless tracer names), a scope is built for each span.
#[derive(Default)]
struct Scopes {
    by_name: HashMap<String, HashMap<String, InstrumentationScope>>,
    count: usize,
}

impl Scopes {
    const MAX: usize = 1024;

    fn get(&mut self, name: &str, version: &str) -> InstrumentationScope {
        if let Some(scope) = self.by_name.get(name).and_then(|v| v.get(version)) {
            return scope.clone();
        }
        let b = InstrumentationScope::builder(name.to_owned());
        let scope = if version.is_empty() {
            b.build()
        } else {
            b.with_version(version.to_owned()).build()
        };
        if self.count < Self::MAX {
            self.count += 1;
            self.by_name
                .entry(name.to_owned())
                .or_default()
                .insert(version.to_owned(), scope.clone());
        }
        scope
    }
}

/// Starts the queue and the export thread.
pub fn start(config: &TracesConfig, exporter_config: &ExporterConfig, resource: &Resource) -> Result<(), String> {
    let mut exporter = crate::transport::span_exporter(exporter_config)?;
    exporter.set_resource(resource);
    let (queue, rx) = queue::bounded(config.max_queue_size, config.max_queue_bytes);
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let limits = config.clone();
    let protocol = exporter_config.protocol;
    let endpoint = exporter_config.endpoint.clone();
    std::thread::Builder::new()
        .name("connect-otel-spans".into())
        .spawn(move || {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut scopes = Scopes::default();
                let mut batch = Batch::default();
                let mut due = Instant::now() + limits.schedule_delay;
                // A batch full by size goes at once; the one it leaves waits for its count or its time.
                let send = |full: Option<Vec<SpanData>>| {
                    if let Some(full) = full {
                        export(&exporter, protocol, full, &endpoint);
                    }
                };
                loop {
                    let next = rx.recv_timeout(due.saturating_duration_since(Instant::now()));
                    let mut closed = matches!(next, Err(RecvTimeoutError::Disconnected));
                    if let Ok(bytes) = next {
                        send(add(&bytes, &mut scopes, &limits, &mut batch));
                        // What else is waiting, without reading the clock for each span.
                        while batch.len() < limits.max_export_batch_size {
                            match rx.try_recv() {
                                Ok(bytes) => send(add(&bytes, &mut scopes, &limits, &mut batch)),
                                Err(TryRecvError::Empty) => break,
                                Err(TryRecvError::Disconnected) => {
                                    closed = true;
                                    break;
                                }
                            }
                        }
                    }
                    if batch.len() >= limits.max_export_batch_size || Instant::now() >= due || closed {
                        send(Some(batch.take()));
                        due = Instant::now() + limits.schedule_delay;
                    }
                    if closed {
                        let _ = exporter.shutdown();
                        break;
                    }
                }
            }));
            let _ = done_tx.send(());
        })
        .map_err(|e| format!("cannot start the span thread: {e}"))?;
    *QUEUE.write().unwrap_or_else(|e| e.into_inner()) = Some(queue);
    *THREAD.lock().unwrap_or_else(|e| e.into_inner()) = Some(done_rx);
    Ok(())
}

/// Stops taking spans, exports what was taken, and waits for that until `deadline`.
/// Whether the span thread finished (or never ran) before `deadline`.
pub fn shutdown(deadline: Instant) -> bool {
    // Dropping the sender ends the thread's loop after it has drained the queue.
    drop(QUEUE.write().unwrap_or_else(|e| e.into_inner()).take());
    let done = THREAD.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(done) = done {
        if done
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_err()
        {
            crate::log_warn!("the last spans were not exported before the shutdown deadline");
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::codec::sample as java_span;
    use super::*;

    fn limits(attrs: u32, events: u32, links: u32) -> TracesConfig {
        TracesConfig {
            sampler: Sampler::ParentAlwaysOn,
            attribute_count_limit: attrs,
            event_count_limit: events,
            link_count_limit: links,
            attribute_value_length_limit: None,
            schedule_delay: Duration::from_secs(5),
            max_queue_size: 10,
            max_queue_bytes: 1 << 20,
            max_export_batch_size: 5,
        }
    }

    #[test]
    fn java_ids_times_and_status_are_kept_exactly() {
        let d = span_data(
            java_span(),
            &limits(128, 128, 128),
            InstrumentationScope::builder("t").build(),
        );
        assert_eq!(
            d.span_context.trace_id().to_string(),
            "4bf92f3577b34da6a3ce929d0e0e4736"
        );
        assert_eq!(d.span_context.span_id().to_string(), "00f067aa0ba902b7");
        assert_eq!(d.parent_span_id.to_string(), "0000000000001111");
        assert!(d.parent_span_is_remote && d.span_context.is_sampled());
        assert_eq!(d.span_kind, SpanKind::Consumer);
        assert_eq!(
            d.end_time.duration_since(d.start_time).unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(d.status, Status::error("boom ✓"));
        assert_eq!(d.events.len(), 1);
        assert_eq!(d.links.len(), 1);
        // The tracestate from the parent, and the link's own; what Java dropped is counted in each.
        assert_eq!(d.span_context.trace_state().header(), "vendor=a1");
        assert_eq!(d.links[0].span_context.trace_state().header(), "linked=c3");
        assert_eq!(d.events[0].dropped_attributes_count, 3);
        assert_eq!(d.links[0].dropped_attributes_count, 4);
    }

    #[test]
    fn a_tracestate_the_sdk_refuses_is_left_out_not_the_span() {
        let mut s = java_span();
        s.trace_state = "not a list ===".into();
        let d = span_data(s, &limits(128, 128, 128), InstrumentationScope::builder("t").build());
        assert_eq!(d.span_context.trace_state().header(), "");
        assert_eq!(d.name, "sink.put_batch");
    }

    #[test]
    fn count_limits_drop_and_count() {
        let d = span_data(
            java_span(),
            &limits(1, 1, 0),
            InstrumentationScope::builder("t").build(),
        );
        // The Java side already dropped 1 attribute and 2 events; the limits here drop the rest.
        assert_eq!((d.attributes.len(), d.dropped_attributes_count), (1, 1 + 7));
        assert_eq!((d.events.len(), d.events.dropped_count), (1, 2));
        assert_eq!((d.links.len(), d.links.dropped_count), (0, 1));
    }

    #[test]
    fn names_keys_and_values_are_cut_at_decoding_on_character_boundaries() {
        let mut s = java_span();
        s.name = "é".repeat(MAX_NAME_BYTES); // two bytes each
        s.status_message = "s".repeat(MAX_VALUE_BYTES + 5);
        s.attributes = vec![
            (
                "k".repeat(MAX_NAME_BYTES * 3),
                AttrValue::Str("v".repeat(MAX_VALUE_BYTES * 2)),
            ),
            ("a".into(), AttrValue::StrArray(vec!["✓".repeat(MAX_VALUE_BYTES)])),
        ];
        s.events[0].name = "e".repeat(MAX_NAME_BYTES + 1);
        let d = span_data(s, &limits(128, 128, 128), InstrumentationScope::builder("t").build());
        assert_eq!(d.name.len(), MAX_NAME_BYTES);
        assert_eq!(d.attributes[0].key.as_str().len(), MAX_NAME_BYTES);
        assert_eq!(d.attributes[0].value.as_str().len(), MAX_VALUE_BYTES);
        let Value::Array(opentelemetry::Array::String(a)) = &d.attributes[1].value else {
            panic!()
        };
        assert_eq!(
            a[0].as_str().len(),
            MAX_VALUE_BYTES - MAX_VALUE_BYTES % 3,
            "whole characters"
        );
        assert_eq!(d.events[0].name.len(), MAX_NAME_BYTES);
        assert_eq!(d.status, Status::error("s".repeat(MAX_VALUE_BYTES)));
        // A configured value length limit (characters) bounds the bytes too.
        let mut l = limits(128, 128, 128);
        l.attribute_value_length_limit = Some(10);
        let mut s = java_span();
        s.attributes = vec![("k".into(), AttrValue::Str("x".repeat(1000)))];
        let d = span_data(s, &l, InstrumentationScope::builder("t").build());
        assert_eq!(d.attributes[0].value.as_str().len(), 40);
        assert_eq!(cut_str("aé", 2), "a");
    }

    #[test]
    fn a_span_too_large_for_a_request_is_trimmed_counted_and_batches_fit() {
        let mut scopes = Scopes::default();
        let mut batch = Batch::default();
        let l = limits(1000, 128, 128);
        let small = codec::encode::encode(&java_span());
        let mut huge = java_span();
        huge.attributes = (0..200)
            .map(|i| (format!("k{i}"), AttrValue::Str("v".repeat(32 * 1024))))
            .collect();
        let huge = codec::encode::encode(&huge);
        let trimmed = COUNTERS.trimmed.load(Ordering::Relaxed);
        let mut sent: Vec<Vec<SpanData>> = [&small, &huge, &small, &huge]
            .iter()
            .filter_map(|b| add(b, &mut scopes, &l, &mut batch))
            .collect();
        sent.push(batch.take());
        assert_eq!(COUNTERS.trimmed.load(Ordering::Relaxed) - trimmed, 2);
        assert_eq!(sent.iter().map(Vec::len).sum::<usize>(), 4, "no span lost");
        assert!(sent.len() >= 2, "the two trimmed spans never share a request");
        for b in &sent {
            assert!(b.iter().map(size::span).sum::<usize>() <= MAX_REQUEST_BYTES);
        }
        let big = sent.iter().flatten().find(|s| s.attributes.len() > 8).unwrap();
        assert!(big.attributes.len() > 50 && big.attributes.len() < 200);
        assert_eq!(big.dropped_attributes_count, 1 + 200 - big.attributes.len() as u32);
    }

    #[test]
    fn scopes_are_built_once_per_tracer_and_bounded() {
        let mut scopes = Scopes::default();
        let a = scopes.get("sink", "1.0");
        assert_eq!((a.name(), a.version()), ("sink", Some("1.0")));
        assert_eq!(scopes.get("sink", ""), InstrumentationScope::builder("sink").build());
        assert_eq!(scopes.get("sink", "1.0"), a);
        assert_eq!(scopes.count, 2);
        for i in 0..Scopes::MAX + 10 {
            assert_eq!(scopes.get(&format!("tracer-{i}"), "").name(), format!("tracer-{i}"));
        }
        assert_eq!(scopes.count, Scopes::MAX);
    }

    #[test]
    fn settings_for_java() {
        let mut l = limits(7, 8, 9);
        l.sampler = Sampler::ParentRatio(0.25);
        l.attribute_value_length_limit = Some(100);
        assert_eq!(java_settings(&l), [5.0, 0.25, 7.0, 8.0, 9.0, 100.0]);
    }

    #[test]
    fn block_on_runs_a_future_to_the_end() {
        assert_eq!(block_on(async { 41 + 1 }), 42);
    }
}
