//! The metric export: each collection's observations are handed to our export thread, which encodes them
//! ([`crate::encode`]) one request at a time and sends each over OTLP ([`crate::otlp::MetricSender`]).
//!
//! Why a thread and a one-slot queue: the collector thread is attached to the JVM and must never wait on the
//! network. If the previous collection is still being sent when the next one is ready (a collector slower
//! than the interval), the new one is not queued behind it: it is counted as a failed export and logged.
//! Encoding on the export thread, request by request, keeps one request's bytes in memory at a time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::SystemTime;

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;

use crate::config::ExporterConfig;
use crate::encode::Encoder;
use crate::mapping::Observations;
use crate::otlp::{log_export_failure, log_skipped_collection, MetricSender};

struct Collection {
    observations: Observations,
    time: SystemTime,
    /// A new resource, from this collection on (the worker's identity became complete after the first export).
    resource: Option<Vec<KeyValue>>,
}

pub struct MetricsExport {
    queue: Option<SyncSender<Collection>>,
    pending_resource: Option<Vec<KeyValue>>,
    thread: Option<JoinHandle<()>>,
    endpoint: String,
    timeout: std::time::Duration,
    failures: Arc<AtomicU64>,
}

/// The resource's attributes as the encoder takes them.
pub fn resource_attributes(resource: &Resource) -> Vec<KeyValue> {
    resource
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect()
}

impl MetricsExport {
    /// Sets up the sender and starts the export thread. `failures` counts failed requests and collections
    /// that could not be sent (they become `connect_otel.export.failures`).
    pub fn start(
        config: &ExporterConfig,
        resource: &Resource,
        failures: Arc<AtomicU64>,
        trim_memory: bool,
    ) -> Result<MetricsExport, String> {
        let mut sender = MetricSender::new(config)?;
        let mut encoder = Encoder::new(&resource_attributes(resource), SystemTime::now());
        let (queue, collections) = sync_channel::<Collection>(1);
        let endpoint = config.endpoint.clone();
        let counted = failures.clone();
        let thread = std::thread::Builder::new()
            .name("connect-otel-metrics-export".into())
            .spawn(move || {
                for c in collections {
                    // A panic here must not end metric export for good: contain it, count it, go on.
                    let encoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        if let Some(r) = &c.resource {
                            encoder.set_resource(r);
                        }
                        encoder.encode_each(&c.observations, c.time, |body| {
                            let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sender.send(body)))
                                .unwrap_or_else(|_| Err("internal error while sending".into()));
                            if let Err(e) = sent {
                                counted.fetch_add(1, Ordering::Relaxed);
                                log_export_failure(&endpoint, &e);
                            }
                        })
                    }));
                    if encoded.is_err() {
                        counted.fetch_add(1, Ordering::Relaxed);
                        log_export_failure(&endpoint, "internal error while encoding; this collection was dropped");
                    }
                    drop(c);
                    if trim_memory {
                        crate::memory::release_free_memory();
                    }
                }
            })
            .map_err(|e| format!("cannot start the metrics export thread: {e}"))?;
        Ok(MetricsExport {
            queue: Some(queue),
            pending_resource: None,
            thread: Some(thread),
            endpoint: config.endpoint.clone(),
            timeout: config.timeout,
            failures,
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
        self.failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Lets the export thread send what is queued, then waits for it. The caller bounds the wait (each
    /// request is bounded by the exporter timeout).
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
    use crate::config::{Compression, Protocol};
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
        let config = ExporterConfig {
            protocol: Protocol::HttpProtobuf,
            endpoint: format!("http://{}/v1/metrics", hole.local_addr().unwrap()),
            headers: vec![],
            timeout: Duration::from_millis(1500),
            compression: Compression::None,
            ca_certificate: None,
            client_certificate: None,
            client_key: None,
        };
        crate::otlp::install_tls_provider();
        let failures = Arc::new(AtomicU64::new(0));
        let mut export =
            MetricsExport::start(&config, &Resource::builder_empty().build(), failures.clone(), true).unwrap();
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
        let skipped = failures.load(Ordering::Relaxed);
        assert!((2..=3).contains(&skipped), "{skipped}");
        export.shutdown();
        // The ones sent time out: every collection is accounted for.
        assert_eq!(failures.load(Ordering::Relaxed), 4);
        drop(hole);
    }
}
