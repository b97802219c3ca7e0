//! One collection's series → OTLP/protobuf `ExportMetricsServiceRequest` bodies, written directly.
//!
//! Why not the SDK's metric pipeline: every series we publish is already one value (an MBean attribute now),
//! so there is nothing to aggregate, yet observable instruments made the SDK hash every series' attributes,
//! rebuild each instrument's map and copy each attribute set on every collection. At 1,000 tasks that cost
//! more than reading the MBeans, and ~180 MB of native memory (BENCHMARKS.md). Here each series is written
//! once into the wire format, sizes first so that nothing is copied twice.
//!
//! The bodies are split so that one request stays under a collector's message limit (a default OpenTelemetry
//! Collector takes 4 MiB per gRPC message); each carries the resource and scope, and a metric whose series
//! do not fit continues in the next request.

use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::KeyValue;

use crate::collect::rules::{metric_defs, Kind};
use crate::metrics::series::{Observations, Series};

/// Series per request: about 160 bytes each on the wire at 1,000 tasks, so ~1.6 MB per request.
pub const MAX_SERIES_PER_REQUEST: usize = 10_000;

pub use crate::config::MAX_REQUEST_BYTES;

/// The instrumentation scope every metric is reported under.
pub const SCOPE_NAME: &str = "io.connectotel.connect";

use super::proto::*;

/// `AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE`.
const CUMULATIVE: u64 = 2;

/// `DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK`: "an equivalent to the Prometheus staleness marker".
const NO_RECORDED_VALUE: u64 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Gauge,
    Sum { monotonic: bool },
}

fn shape(kind: Kind) -> Option<Shape> {
    match kind {
        Kind::Counter => Some(Shape::Sum { monotonic: true }),
        Kind::UpDown | Kind::State { .. } => Some(Shape::Sum { monotonic: false }),
        Kind::Gauge | Kind::Health | Kind::AllNumeric { .. } => Some(Shape::Gauge),
        // Folded into other metrics' labels by the mapping.
        Kind::Info { .. } | Kind::Label { .. } | Kind::TaskType => None,
    }
}

struct MetricShape {
    name: &'static str,
    unit: &'static str,
    shape: Shape,
}

impl MetricShape {
    fn has_start(&self) -> bool {
        matches!(self.shape, Shape::Sum { .. })
    }
}

/// Encodes collections for one resource. Cumulative sums start when the encoder was made (the agent's
/// start).
pub struct Encoder {
    resource: Vec<u8>,
    scope: Vec<u8>,
    start_nanos: u64,
    metrics: Vec<MetricShape>,
    max_series: usize,
    max_bytes: usize,
}

fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

impl Encoder {
    pub fn new(resource: &[KeyValue], start: SystemTime) -> Encoder {
        Encoder::with_max_series(resource, start, MAX_SERIES_PER_REQUEST)
    }

    pub fn with_max_series(resource: &[KeyValue], start: SystemTime, max_series: usize) -> Encoder {
        let mut scope = Vec::new();
        put_str(&mut scope, 1, SCOPE_NAME);
        let mut encoder = Encoder {
            resource: Vec::new(),
            scope,
            start_nanos: nanos(start),
            metrics: metric_defs()
                .into_iter()
                .filter_map(|d| {
                    shape(d.kind).map(|shape| MetricShape {
                        name: d.name,
                        unit: d.unit,
                        shape,
                    })
                })
                .collect(),
            max_series: max_series.max(1),
            max_bytes: MAX_REQUEST_BYTES,
        };
        encoder.set_resource(resource);
        encoder
    }

    /// The worker's identity can become known after the first export (a read failed that cycle).
    pub fn set_resource(&mut self, resource: &[KeyValue]) {
        self.resource.clear();
        for kv in resource {
            put_len_header(&mut self.resource, 1, key_value_len(kv));
            put_key_value(&mut self.resource, kv, any_value_len(&kv.value));
        }
    }

    /// The request bodies for one collection at `time`, in rule-table order; none when there is no series.
    #[cfg(test)]
    pub fn encode(&self, obs: &Observations, time: SystemTime) -> Vec<Vec<u8>> {
        let mut requests = Vec::new();
        self.encode_each(obs, time, |body| requests.push(body));
        requests
    }

    /// Like [`Encoder::encode`], handing each body to `send` as soon as it is written, so that only one
    /// request's bytes exist at a time.
    #[cfg(any(test, feature = "test-hooks"))]
    pub fn encode_each(&self, obs: &Observations, time: SystemTime, send: impl FnMut(Vec<u8>)) {
        self.encode_with_ended(obs, &Observations::default(), time, send)
    }

    /// Like [`Encoder::encode_each`], with one more point for each series in `ended`: no value, flagged
    /// `DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK`, after the metric's current series (in the same request where
    /// they fit).
    pub fn encode_with_ended(
        &self,
        obs: &Observations,
        ended: &Observations,
        time: SystemTime,
        mut send: impl FnMut(Vec<u8>),
    ) {
        let time = nanos(time);
        let mut part: Vec<Chunk<'_>> = Vec::new();
        let mut room = self.max_series;
        for m in &self.metrics {
            for (from, ended) in [(obs, false), (ended, true)] {
                let Some(mut series) = from.metrics.get(m.name).map(Vec::as_slice) else {
                    continue;
                };
                while !series.is_empty() {
                    let (now, later) = series.split_at(series.len().min(room));
                    part.push(Chunk {
                        metric: m,
                        series: now,
                        ended,
                    });
                    room -= now.len();
                    series = later;
                    if room == 0 {
                        self.emit(&part, time, &mut send);
                        part.clear();
                        room = self.max_series;
                    }
                }
            }
        }
        if !part.is_empty() {
            self.emit(&part, time, &mut send);
        }
    }

    /// Sends one part, or its two halves (recursively) when its body is over the byte limit.
    fn emit(&self, part: &[Chunk<'_>], time: u64, send: &mut impl FnMut(Vec<u8>)) {
        let body = self.request(part, time);
        let series: usize = part.iter().map(|c| c.series.len()).sum();
        if body.len() <= self.max_bytes || series < 2 {
            send(body);
            return;
        }
        drop(body);
        let mut half = series / 2;
        let (mut first, mut second) = (Vec::new(), Vec::new());
        for c in part {
            let take = half.min(c.series.len());
            if take > 0 {
                first.push(Chunk {
                    series: &c.series[..take],
                    ..*c
                });
            }
            if take < c.series.len() {
                second.push(Chunk {
                    series: &c.series[take..],
                    ..*c
                });
            }
            half -= take;
        }
        self.emit(&first, time, send);
        self.emit(&second, time, send);
    }

    fn request(&self, part: &[Chunk<'_>], time: u64) -> Vec<u8> {
        // One `Metric` per run of chunks of the same metric (its current series, then its ended ones).
        let mut runs: Vec<&[Chunk<'_>]> = Vec::new();
        let mut rest = part;
        while let Some(first) = rest.first() {
            let n = rest.iter().take_while(|c| std::ptr::eq(c.metric, first.metric)).count();
            let (run, later) = rest.split_at(n);
            runs.push(run);
            rest = later;
        }
        // Sizes first: every nested message is prefixed with its length.
        let points: usize = part.iter().map(|c| c.series.len()).sum();
        let mut point_lens = Vec::with_capacity(points);
        let mut metric_lens = Vec::with_capacity(runs.len());
        let mut scope_metrics_len = len_field(1, self.scope.len());
        for run in &runs {
            let m = run[0].metric;
            let mut data_len = 0;
            for c in *run {
                for s in c.series {
                    let p = point_len(s, m.has_start(), c.ended);
                    point_lens.push(p);
                    data_len += len_field(1, p);
                }
            }
            if let Shape::Sum { monotonic } = m.shape {
                data_len += 2 + if monotonic { 2 } else { 0 };
            }
            let metric_len = str_field(1, m.name) + str_field(3, m.unit) + len_field(data_field(m.shape), data_len);
            metric_lens.push((metric_len, data_len));
            scope_metrics_len += len_field(2, metric_len);
        }
        let resource_metrics_len = len_field(1, self.resource.len()) + len_field(2, scope_metrics_len);

        let mut out = Vec::with_capacity(len_field(1, resource_metrics_len));
        put_len_header(&mut out, 1, resource_metrics_len);
        put_len_header(&mut out, 1, self.resource.len());
        out.extend_from_slice(&self.resource);
        put_len_header(&mut out, 2, scope_metrics_len);
        put_len_header(&mut out, 1, self.scope.len());
        out.extend_from_slice(&self.scope);
        let mut lens = point_lens.iter();
        for (run, (metric_len, data_len)) in runs.iter().zip(&metric_lens) {
            let m = run[0].metric;
            put_len_header(&mut out, 2, *metric_len);
            put_str(&mut out, 1, m.name);
            put_str(&mut out, 3, m.unit);
            put_len_header(&mut out, data_field(m.shape), *data_len);
            let start = m.has_start().then_some(self.start_nanos);
            for c in *run {
                for s in c.series {
                    put_len_header(&mut out, 1, *lens.next().unwrap_or(&0));
                    let value = (!c.ended).then_some(s.value);
                    put_point(&mut out, s, start, time, value);
                }
            }
            if let Shape::Sum { monotonic } = m.shape {
                put_tag(&mut out, 2, VARINT);
                put_varint(&mut out, CUMULATIVE);
                if monotonic {
                    put_tag(&mut out, 3, VARINT);
                    put_varint(&mut out, 1);
                }
            }
        }
        debug_assert_eq!(out.len(), len_field(1, resource_metrics_len));
        out
    }
}

/// Consecutive series of one metric in one request, all current or all ended.
#[derive(Clone, Copy)]
struct Chunk<'a> {
    metric: &'a MetricShape,
    series: &'a [Series],
    ended: bool,
}

/// `Metric.gauge` is field 5, `Metric.sum` field 7.
fn data_field(shape: Shape) -> u32 {
    match shape {
        Shape::Gauge => 5,
        Shape::Sum { .. } => 7,
    }
}

// NumberDataPoint: attributes 7, start_time_unix_nano 2, time_unix_nano 3 (fixed64), as_double 4 (double),
// flags 8 (varint). The MBean's attributes are encoded once and shared by its series; only a series' own attribute
// is written here.
fn point_len(s: &Series, with_start: bool, ended: bool) -> usize {
    let own = s.own.as_ref().map_or(0, |kv| len_field(7, key_value_len(kv)));
    // Time, then the value or the flag.
    let fields = 9 + if ended { 2 } else { 9 } + if with_start { 9 } else { 0 };
    fields + s.shared.encoded().len() + own
}

/// `value` `None` writes the point of a series that ended: no value, and `DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK`.
/// A sum's start time stays the same, so that the point is not taken for a reset.
fn put_point(out: &mut Vec<u8>, s: &Series, start: Option<u64>, time: u64, value: Option<f64>) {
    out.extend_from_slice(s.shared.encoded());
    if let Some(kv) = &s.own {
        put_point_attribute(out, kv);
    }
    if let Some(start) = start {
        put_tag(out, 2, FIXED64);
        out.extend_from_slice(&start.to_le_bytes());
    }
    put_tag(out, 3, FIXED64);
    out.extend_from_slice(&time.to_le_bytes());
    match value {
        Some(v) => {
            put_tag(out, 4, FIXED64);
            out.extend_from_slice(&v.to_le_bytes());
        }
        None => {
            put_tag(out, 8, VARINT);
            put_varint(out, NO_RECORDED_VALUE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
    use opentelemetry_proto::tonic::common::v1::any_value;
    use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point};
    use prost::Message;
    use std::time::Duration;

    fn series(attrs: Vec<KeyValue>, value: f64) -> Series {
        Series::new(attrs, value)
    }

    fn observations(entries: Vec<(&'static str, Vec<Series>)>) -> Observations {
        let mut obs = Observations::default();
        for (name, s) in entries {
            obs.metrics.insert(name, s);
        }
        obs
    }

    fn decode(body: &[u8]) -> ExportMetricsServiceRequest {
        ExportMetricsServiceRequest::decode(body).expect("a valid ExportMetricsServiceRequest")
    }

    #[test]
    fn writes_what_prost_reads_back() {
        let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let now = start + Duration::from_millis(30_500);
        let resource = [
            KeyValue::new("service.name", "kafka-connect"),
            KeyValue::new("process.pid", 4242i64),
        ];
        let encoder = Encoder::new(&resource, start);
        let task = vec![
            KeyValue::new("kafka.connect.connector", "orders"),
            KeyValue::new("kafka.connect.task.id", "0"),
        ];
        let obs = observations(vec![
            (
                "kafka.connect.sink.sink_record_read_total",
                vec![series(task.clone(), 1234.0)],
            ),
            ("kafka.connect.task.health", vec![series(task.clone(), 1.0)]),
            (
                "jvm.thread.count",
                vec![series(vec![KeyValue::new("jvm.thread.daemon", true)], 42.0)],
            ),
            ("connect_otel.series", vec![series(vec![], 3.0)]),
        ]);
        let bodies = encoder.encode(&obs, now);
        assert_eq!(bodies.len(), 1);
        let req = decode(&bodies[0]);
        assert_eq!(req.resource_metrics.len(), 1);
        let rm = &req.resource_metrics[0];
        let res = rm.resource.as_ref().expect("resource");
        assert_eq!(res.attributes[0].key, "service.name");
        assert_eq!(
            res.attributes[1].value.as_ref().and_then(|v| v.value.clone()),
            Some(any_value::Value::IntValue(4242))
        );
        let sm = &rm.scope_metrics[0];
        assert_eq!(sm.scope.as_ref().map(|s| s.name.as_str()), Some(SCOPE_NAME));
        let by_name = |n: &str| {
            sm.metrics
                .iter()
                .find(|m| m.name == n)
                .unwrap_or_else(|| panic!("no {n}"))
        };

        let read = by_name("kafka.connect.sink.sink_record_read_total");
        assert_eq!(read.unit, "{record}");
        let Some(metric::Data::Sum(sum)) = &read.data else {
            panic!("a counter is a sum: {read:?}")
        };
        assert!(sum.is_monotonic);
        assert_eq!(sum.aggregation_temporality, CUMULATIVE as i32);
        let p = &sum.data_points[0];
        assert_eq!(p.value, Some(number_data_point::Value::AsDouble(1234.0)));
        assert_eq!(p.start_time_unix_nano, nanos(start));
        assert_eq!(p.time_unix_nano, nanos(now));
        assert_eq!(p.attributes.len(), 2);
        assert_eq!(p.attributes[0].key, "kafka.connect.connector");
        assert_eq!(
            p.attributes[0].value.as_ref().and_then(|v| v.value.clone()),
            Some(any_value::Value::StringValue("orders".into()))
        );

        let health = by_name("kafka.connect.task.health");
        let Some(metric::Data::Gauge(g)) = &health.data else {
            panic!("health is a gauge: {health:?}")
        };
        assert_eq!(g.data_points[0].start_time_unix_nano, 0);
        assert_eq!(g.data_points[0].time_unix_nano, nanos(now));

        let threads = by_name("jvm.thread.count");
        let Some(metric::Data::Sum(s)) = &threads.data else {
            panic!("an up-down counter is a non-monotonic sum: {threads:?}")
        };
        assert!(!s.is_monotonic);
        assert_eq!(
            s.data_points[0].attributes[0]
                .value
                .as_ref()
                .and_then(|v| v.value.clone()),
            Some(any_value::Value::BoolValue(true))
        );
        let own = by_name("connect_otel.series");
        let Some(metric::Data::Gauge(g)) = &own.data else {
            panic!("{own:?}")
        };
        assert!(g.data_points[0].attributes.is_empty());
    }

    #[test]
    fn splits_requests_and_keeps_every_series_once() {
        let encoder = Encoder::with_max_series(&[KeyValue::new("service.name", "x")], UNIX_EPOCH, 7);
        let many = |n: usize| -> Vec<Series> {
            (0..n)
                .map(|i| series(vec![KeyValue::new("kafka.connect.task.id", i.to_string())], i as f64))
                .collect()
        };
        let obs = observations(vec![
            ("kafka.connect.task.health", many(10)),
            ("kafka.connect.sink.sink_record_read_total", many(5)),
            ("connect_otel.series", many(1)),
        ]);
        let bodies = encoder.encode(&obs, SystemTime::now());
        assert_eq!(bodies.len(), 3, "16 series in parts of 7");
        let mut seen: Vec<(String, f64)> = Vec::new();
        for (i, b) in bodies.iter().enumerate() {
            let req = decode(b);
            let rm = &req.resource_metrics[0];
            assert_eq!(
                rm.resource.as_ref().map(|r| r.attributes.len()),
                Some(1),
                "every part has the resource"
            );
            let mut in_part = 0;
            for m in &rm.scope_metrics[0].metrics {
                let points: Vec<f64> = match &m.data {
                    Some(metric::Data::Gauge(g)) => g.data_points.iter().map(value).collect(),
                    Some(metric::Data::Sum(s)) => s.data_points.iter().map(value).collect(),
                    other => panic!("{other:?}"),
                };
                in_part += points.len();
                seen.extend(points.into_iter().map(|v| (m.name.clone(), v)));
            }
            assert!(in_part <= 7, "part {i} has {in_part} series");
        }
        seen.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let mut expected: Vec<(String, f64)> = Vec::new();
        for (name, s) in &obs.metrics {
            expected.extend(s.iter().map(|x| (name.to_string(), x.value)));
        }
        expected.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(seen, expected);
    }

    #[test]
    fn a_request_over_the_byte_limit_is_split_in_halves() {
        let mut encoder = Encoder::new(&[], UNIX_EPOCH);
        encoder.max_bytes = 4096;
        let long = "c".repeat(200);
        let series: Vec<Series> = (0..100)
            .map(|i| {
                series(
                    vec![
                        KeyValue::new("kafka.connect.connector", long.clone()),
                        KeyValue::new("kafka.connect.task.id", i.to_string()),
                    ],
                    i as f64,
                )
            })
            .collect();
        let obs = observations(vec![
            ("kafka.connect.task.health", series.clone()),
            ("kafka.connect.sink.sink_record_read_total", series),
        ]);
        let bodies = encoder.encode(&obs, SystemTime::now());
        assert!(bodies.len() > 1);
        let mut values = Vec::new();
        for b in &bodies {
            assert!(b.len() <= 4096, "{} bytes", b.len());
            for m in &decode(b).resource_metrics[0].scope_metrics[0].metrics {
                match &m.data {
                    Some(metric::Data::Gauge(g)) => values.extend(g.data_points.iter().map(value)),
                    Some(metric::Data::Sum(s)) => values.extend(s.data_points.iter().map(value)),
                    other => panic!("{other:?}"),
                }
            }
        }
        values.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let mut expected: Vec<f64> = (0..100).flat_map(|i| [i as f64, i as f64]).collect();
        expected.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(values, expected, "every series once");
    }

    fn value(p: &opentelemetry_proto::tonic::metrics::v1::NumberDataPoint) -> f64 {
        match p.value {
            Some(number_data_point::Value::AsDouble(v)) => v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn nothing_to_send_is_no_request_and_unknown_names_are_left_out() {
        let encoder = Encoder::new(&[], UNIX_EPOCH);
        assert!(encoder.encode(&Observations::default(), SystemTime::now()).is_empty());
        let obs = observations(vec![("not.a.published.metric", vec![series(vec![], 1.0)])]);
        assert!(encoder.encode(&obs, SystemTime::now()).is_empty());
    }

    #[test]
    fn series_of_one_mbean_share_its_attributes_and_add_their_own() {
        use crate::metrics::series::SharedAttributes;
        use std::sync::Arc;
        let shared = SharedAttributes::new(vec![
            KeyValue::new("kafka.connect.connector", "orders"),
            KeyValue::new("kafka.connect.task.id", "3"),
        ]);
        let state = |s: &'static str, v: f64| Series {
            shared: Arc::clone(&shared),
            own: Some(KeyValue::new("kafka.connect.task.state", s)),
            value: v,
        };
        let obs = observations(vec![(
            "kafka.connect.connector.task.status",
            vec![state("running", 1.0), state("failed", 0.0)],
        )]);
        let req = decode(&Encoder::new(&[], UNIX_EPOCH).encode(&obs, SystemTime::now())[0]);
        let Some(metric::Data::Sum(sum)) = &req.resource_metrics[0].scope_metrics[0].metrics[0].data else {
            panic!("a sum")
        };
        let seen: Vec<(Vec<(String, String)>, f64)> = sum
            .data_points
            .iter()
            .map(|p| {
                let attrs = p
                    .attributes
                    .iter()
                    .map(|kv| match kv.value.as_ref().and_then(|v| v.value.clone()) {
                        Some(any_value::Value::StringValue(v)) => (kv.key.clone(), v),
                        other => panic!("{other:?}"),
                    })
                    .collect();
                (attrs, value(p))
            })
            .collect();
        let attrs = |state: &str| {
            [
                ("kafka.connect.connector", "orders"),
                ("kafka.connect.task.id", "3"),
                ("kafka.connect.task.state", state),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .to_vec()
        };
        assert_eq!(seen, vec![(attrs("running"), 1.0), (attrs("failed"), 0.0)]);
    }

    #[test]
    fn long_strings_and_large_varints_round_trip() {
        let long = "x".repeat(70_000);
        let encoder = Encoder::new(
            &[KeyValue::new("k", long.clone()), KeyValue::new("n", -1i64)],
            UNIX_EPOCH,
        );
        let obs = observations(vec![(
            "kafka.connect.task.health",
            vec![series(
                vec![KeyValue::new("kafka.connect.connector", long.clone())],
                f64::MAX,
            )],
        )]);
        let req = decode(&encoder.encode(&obs, SystemTime::now())[0]);
        let rm = &req.resource_metrics[0];
        let attrs = &rm.resource.as_ref().unwrap().attributes;
        assert_eq!(
            attrs[0].value.as_ref().and_then(|v| v.value.clone()),
            Some(any_value::Value::StringValue(long.clone()))
        );
        assert_eq!(
            attrs[1].value.as_ref().and_then(|v| v.value.clone()),
            Some(any_value::Value::IntValue(-1))
        );
        let Some(metric::Data::Gauge(g)) = &rm.scope_metrics[0].metrics[0].data else {
            panic!()
        };
        assert_eq!(value(&g.data_points[0]), f64::MAX);
    }

    #[test]
    fn an_ended_series_has_one_point_without_a_value_and_the_same_start() {
        use opentelemetry_proto::tonic::metrics::v1::DataPointFlags;
        let start = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let now = start + Duration::from_secs(60);
        let encoder = Encoder::new(&[], start);
        let task = |id: &str| {
            vec![
                KeyValue::new("kafka.connect.connector", "orders"),
                KeyValue::new("kafka.connect.task.id", id.to_string()),
            ]
        };
        let live = observations(vec![
            (
                "kafka.connect.sink.sink_record_read_total",
                vec![series(task("0"), 7.0)],
            ),
            ("kafka.connect.task.health", vec![series(task("0"), 1.0)]),
        ]);
        let ended = observations(vec![
            (
                "kafka.connect.sink.sink_record_read_total",
                vec![series(task("1"), f64::NAN)],
            ),
            ("kafka.connect.worker.task_count", vec![series(vec![], f64::NAN)]),
        ]);
        let mut bodies = Vec::new();
        encoder.encode_with_ended(&live, &ended, now, |b| bodies.push(b));
        assert_eq!(bodies.len(), 1, "ends travel with the collection's own points");
        let req = decode(&bodies[0]);
        let metrics = &req.resource_metrics[0].scope_metrics[0].metrics;
        let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "kafka.connect.worker.task_count",
                "kafka.connect.task.health",
                "kafka.connect.sink.sink_record_read_total"
            ],
            "one Metric each, current and ended points together, in table order"
        );
        let Some(metric::Data::Sum(read)) = &metrics[2].data else {
            panic!("{:?}", metrics[2])
        };
        assert_eq!(read.data_points.len(), 2);
        let (kept, gone) = (&read.data_points[0], &read.data_points[1]);
        assert_eq!(
            (kept.value, kept.flags),
            (Some(number_data_point::Value::AsDouble(7.0)), 0)
        );
        assert_eq!(gone.value, None, "no value");
        assert_eq!(gone.flags, DataPointFlags::NoRecordedValueMask as u32);
        // Not a reset: the same start as every point of the counter; the time of this collection.
        assert_eq!(gone.start_time_unix_nano, nanos(start));
        assert_eq!(kept.start_time_unix_nano, gone.start_time_unix_nano);
        assert_eq!(gone.time_unix_nano, nanos(now));
        assert_eq!(
            gone.attributes[1].value.as_ref().and_then(|v| v.value.clone()),
            Some(any_value::Value::StringValue("1".into()))
        );
        let Some(metric::Data::Gauge(count)) = &metrics[0].data else {
            panic!("{:?}", metrics[0])
        };
        assert_eq!(
            (
                count.data_points.len(),
                count.data_points[0].value,
                count.data_points[0].flags
            ),
            (1, None, 1)
        );
        assert_eq!(count.data_points[0].start_time_unix_nano, 0, "a gauge has no start");
    }

    #[test]
    fn ended_series_are_split_like_the_others() {
        let encoder = Encoder::with_max_series(&[], UNIX_EPOCH, 4);
        let many = |n: usize, v: f64| -> Vec<Series> {
            (0..n)
                .map(|i| series(vec![KeyValue::new("kafka.connect.task.id", i.to_string())], v))
                .collect()
        };
        let live = observations(vec![("kafka.connect.task.health", many(3, 1.0))]);
        let ended = observations(vec![("kafka.connect.task.health", many(6, f64::NAN))]);
        let mut bodies = Vec::new();
        encoder.encode_with_ended(&live, &ended, SystemTime::now(), |b| bodies.push(b));
        assert_eq!(bodies.len(), 3, "9 points in parts of 4");
        let (mut with_value, mut without) = (0, 0);
        for b in &bodies {
            for m in &decode(b).resource_metrics[0].scope_metrics[0].metrics {
                let Some(metric::Data::Gauge(g)) = &m.data else {
                    panic!()
                };
                assert!(g.data_points.len() <= 4);
                for p in &g.data_points {
                    match (p.value, p.flags) {
                        (Some(number_data_point::Value::AsDouble(1.0)), 0) => with_value += 1,
                        (None, 1) => without += 1,
                        other => panic!("{other:?}"),
                    }
                }
            }
        }
        assert_eq!((with_value, without), (3, 6));
    }
}
