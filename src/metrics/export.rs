//! The metric export: each collection's observations are handed to our export thread, which encodes them
//! ([`crate::metrics::encode`]) one request at a time and sends each over OTLP ([`crate::transport::MetricSender`]).
//!
//! Why a thread and a one-slot queue: the collector thread is attached to the JVM and must never wait on the
//! network. If the previous collection is still being sent when the next one is ready (a collector slower
//! than the interval), the new one is not queued behind it: it is counted as a failed export and logged.
//! Encoding on the export thread, request by request, keeps one request's bytes in memory at a time.
//!
//! The thread also remembers which series it exported ([`SeriesEnds`]): a series the next collection lacks
//! gets one last point without a value (a staleness marker in Prometheus), and when the agent stops, the
//! final export ends every series.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::SystemTime;

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;

use crate::config::ExporterConfig;
use crate::metrics::encode::Encoder;
use crate::metrics::ends::SeriesEnds;
use crate::metrics::series::Observations;
use crate::transport::{log_export_failure, log_rejected_points, log_skipped_collection, MetricSender};

struct Collection {
    observations: Observations,
    time: SystemTime,
    /// A new resource, from this collection on (the worker's identity became complete after the first export).
    resource: Option<Vec<KeyValue>>,
}

/// What the export thread counts, for the agent's own metrics.
#[derive(Debug, Default)]
pub struct ExportCounters {
    /// Failed requests and collections that could not be sent (`connect_otel.export.failures`).
    pub failures: AtomicU64,
    /// Points of accepted requests that the collector rejected (`connect_otel.export.rejected_points`).
    pub rejected_points: AtomicU64,
}

pub struct MetricsExport {
    queue: Option<SyncSender<Collection>>,
    pending_resource: Option<Vec<KeyValue>>,
    thread: Option<JoinHandle<()>>,
    endpoint: String,
    timeout: std::time::Duration,
    counters: Arc<ExportCounters>,
}

/// The resource's attributes as the encoder takes them.
pub fn resource_attributes(resource: &Resource) -> Vec<KeyValue> {
    resource
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect()
}

impl MetricsExport {
    /// Sets up the sender and starts the export thread, which counts into `counters`.
    pub fn start(
        config: &ExporterConfig,
        resource: &Resource,
        counters: Arc<ExportCounters>,
        release_memory: Option<fn()>,
    ) -> Result<MetricsExport, String> {
        let mut sender = MetricSender::new(config)?;
        let mut encoder = Encoder::new(&resource_attributes(resource), SystemTime::now());
        let (queue, collections) = sync_channel::<Collection>(1);
        let endpoint = config.endpoint.clone();
        let counted = counters.clone();
        let thread = std::thread::Builder::new()
            .name("connect-otel-metrics-export".into())
            .spawn(move || {
                let mut ends = SeriesEnds::default();
                let mut send = |body: Vec<u8>| {
                    let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sender.send(body)))
                        .unwrap_or_else(|_| Err("internal error while sending".into()));
                    match sent {
                        Ok(accepted) if accepted.rejected_points > 0 => {
                            counted
                                .rejected_points
                                .fetch_add(accepted.rejected_points, Ordering::Relaxed);
                            log_rejected_points(&endpoint, accepted.rejected_points, &accepted.message);
                        }
                        Ok(_) => {}
                        Err(e) => {
                            counted.failures.fetch_add(1, Ordering::Relaxed);
                            log_export_failure(&endpoint, &e);
                        }
                    }
                };
                for c in collections {
                    // A panic here must not end metric export for good: contain it, count it, go on.
                    let encoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        if let Some(r) = &c.resource {
                            encoder.set_resource(r);
                        }
                        let ended = ends.next(&c.observations);
                        encoder.encode_with_ended(&c.observations, &ended, c.time, &mut send)
                    }));
                    if encoded.is_err() {
                        counted.failures.fetch_add(1, Ordering::Relaxed);
                        log_export_failure(&endpoint, "internal error while encoding; this collection was dropped");
                    }
                    drop(c);
                    if let Some(release) = release_memory {
                        release();
                    }
                }
                // The agent stops: every series it exported ends now rather than lingering in the backend.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let all = ends.all();
                    encoder.encode_with_ended(&Observations::default(), &all, SystemTime::now(), &mut send)
                }));
            })
            .map_err(|e| format!("cannot start the metrics export thread: {e}"))?;
        Ok(MetricsExport {
            queue: Some(queue),
            pending_resource: None,
            thread: Some(thread),
            endpoint: config.endpoint.clone(),
            timeout: config.timeout,
            counters,
        })
    }

    /// Applies from the next collection published.
    pub fn set_resource(&mut self, resource: &Resource) {
        self.pending_resource = Some(resource_attributes(resource));
    }

    /// Hands one collection to the export thread, or counts it as failed when the previous one is still
    /// being sent.
    pub fn publish(&mut self, obs: Observations) {
        let Some(queue) = &self.queue else { return };
        let collection = Collection {
            observations: obs,
            time: SystemTime::now(),
            resource: self.pending_resource.clone(),
        };
        match queue.try_send(collection) {
            Ok(()) => {
                self.pending_resource = None;
                return;
            }
            Err(TrySendError::Full(_)) => log_skipped_collection(&self.endpoint, self.timeout),
            Err(TrySendError::Disconnected(_)) => log_export_failure(&self.endpoint, "the export thread has stopped"),
        }
        self.counters.failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Lets the export thread send what is queued and then the end of every series, and waits for it. The
    /// caller bounds the wait (each request is bounded by the exporter timeout).
    pub fn shutdown(mut self) {
        self.queue.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Protocol;
    use std::net::TcpListener;
    use std::time::{Duration, Instant};

    fn one_series() -> Observations {
        let mut obs = Observations::default();
        obs.push_alone("connect_otel.series", vec![], 1.0);
        obs
    }

    #[test]
    fn a_collection_that_finds_the_previous_one_still_sending_is_counted_not_queued() {
        // Accepts and never answers: the first collection's request hangs until the exporter timeout.
        let hole = TcpListener::bind("127.0.0.1:0").unwrap();
        let config = ExporterConfig::plain(
            Protocol::HttpProtobuf,
            format!("http://{}/v1/metrics", hole.local_addr().unwrap()),
            Duration::from_millis(1500),
        );
        crate::transport::install_tls_provider();
        let counters = Arc::new(ExportCounters::default());
        let mut export = MetricsExport::start(
            &config,
            &Resource::builder_empty().build(),
            counters.clone(),
            Some(|| {}),
        )
        .unwrap();
        let begun = Instant::now();
        for _ in 0..4 {
            export.publish(one_series());
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(
            begun.elapsed() < Duration::from_secs(1),
            "publishing never waits on the network"
        );
        // One being sent, one in the slot, two skipped (three if the export thread was slow to take the first).
        let skipped = counters.failures.load(Ordering::Relaxed);
        assert!((2..=3).contains(&skipped), "{skipped}");
        export.shutdown();
        // The ones sent time out: every collection is accounted for, and so is the final export that ends
        // every series.
        assert_eq!(counters.failures.load(Ordering::Relaxed), 5);
        drop(hole);
    }

    /// Takes OTLP/HTTP requests and keeps their bodies (no gzip, one request per connection is enough for
    /// the blocking client, which reconnects when the server closes).
    fn recording_sink() -> (String, Arc<std::sync::Mutex<Vec<Vec<u8>>>>) {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}/v1/metrics", listener.local_addr().unwrap());
        let bodies = Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream);
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_ok() {
                    kept.lock().unwrap().push(body);
                }
                let _ = reader
                    .get_mut()
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            }
        });
        (endpoint, bodies)
    }

    #[test]
    fn a_series_gone_ends_in_the_next_export_and_every_series_ends_at_shutdown() {
        use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
        use opentelemetry_proto::tonic::metrics::v1::metric::Data;
        use prost::Message;
        let (endpoint, bodies) = recording_sink();
        let config = ExporterConfig::plain(Protocol::HttpProtobuf, endpoint, Duration::from_secs(5));
        crate::transport::install_tls_provider();
        let counters = Arc::new(ExportCounters::default());
        let mut export =
            MetricsExport::start(&config, &Resource::builder_empty().build(), counters.clone(), None).unwrap();
        let tasks = |ids: &[&str]| {
            let mut obs = Observations::default();
            for id in ids {
                obs.push_alone(
                    "kafka.connect.task.health",
                    vec![KeyValue::new("kafka.connect.task.id", id.to_string())],
                    1.0,
                );
            }
            obs
        };
        let wait_for = |n: usize| {
            let begun = Instant::now();
            while bodies.lock().unwrap().len() < n {
                assert!(begun.elapsed() < Duration::from_secs(10), "{n} requests");
                std::thread::sleep(Duration::from_millis(20));
            }
        };
        export.publish(tasks(&["0", "1"]));
        wait_for(1);
        export.publish(tasks(&["0"]));
        wait_for(2);
        export.publish(tasks(&["0"]));
        wait_for(3);
        export.shutdown();
        assert_eq!(counters.failures.load(Ordering::Relaxed), 0);
        // Per request: (task id, has a value) of each point.
        let points: Vec<Vec<(String, bool)>> = bodies
            .lock()
            .unwrap()
            .iter()
            .map(|b| {
                let req = ExportMetricsServiceRequest::decode(b.as_slice()).unwrap();
                let mut out = Vec::new();
                for m in &req.resource_metrics[0].scope_metrics[0].metrics {
                    let Some(Data::Gauge(g)) = &m.data else { panic!("{m:?}") };
                    for p in &g.data_points {
                        assert_eq!(p.value.is_none(), p.flags == 1, "{p:?}");
                        let id = format!("{:?}", p.attributes[0].value.as_ref().unwrap().value.as_ref().unwrap());
                        out.push((id, p.value.is_some()));
                    }
                }
                out
            })
            .collect();
        let id = |i: &str, live: bool| (format!("StringValue({i:?})"), live);
        assert_eq!(
            points,
            vec![
                vec![id("0", true), id("1", true)],
                vec![id("0", true), id("1", false)],
                vec![id("0", true)],
                vec![id("0", false)],
            ]
        );
    }
}
