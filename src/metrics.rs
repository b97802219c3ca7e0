//! The metric export: each collection's observations are encoded ([`crate::encode`]) on the collector thread
//! and handed to our export thread, which sends them over OTLP ([`crate::otlp::MetricSender`]).
//!
//! Why a thread and a one-slot queue: the collector thread is attached to the JVM and must never wait on the
//! network. If the previous collection is still being sent when the next one is ready (a collector slower
//! than the interval), the new one is not queued behind it: it is counted as a failed export and logged.

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
use crate::otlp::{log_export_failure, MetricSender};

pub struct MetricsExport {
    encoder: Encoder,
    queue: Option<SyncSender<Vec<Vec<u8>>>>,
    thread: Option<JoinHandle<()>>,
    endpoint: String,
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
    ) -> Result<MetricsExport, String> {
        let mut sender = MetricSender::new(config)?;
        let (queue, bodies) = sync_channel::<Vec<Vec<u8>>>(1);
        let endpoint = config.endpoint.clone();
        let counted = failures.clone();
        let thread = std::thread::Builder::new()
            .name("connect-otel-metrics-export".into())
            .spawn(move || {
                for requests in bodies {
                    for body in requests {
                        // A panic here would end metric export for good: contain it, count it.
                        let sent = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sender.send(body)))
                            .unwrap_or_else(|_| Err("panic while sending".into()));
                        if let Err(e) = sent {
                            counted.fetch_add(1, Ordering::Relaxed);
                            log_export_failure(&endpoint, &e);
                        }
                    }
                }
            })
            .map_err(|e| format!("cannot start the metrics export thread: {e}"))?;
        Ok(MetricsExport {
            encoder: Encoder::new(&resource_attributes(resource), SystemTime::now()),
            queue: Some(queue),
            thread: Some(thread),
            endpoint: config.endpoint.clone(),
            failures,
        })
    }

    pub fn set_resource(&mut self, resource: &Resource) {
        self.encoder.set_resource(&resource_attributes(resource));
    }

    /// Encodes one collection and hands it to the export thread; returns how many requests it makes.
    pub fn publish(&mut self, obs: &Observations) -> usize {
        let requests = self.encoder.encode(obs, SystemTime::now());
        let n = requests.len();
        if n == 0 {
            return 0;
        }
        if let Some(queue) = &self.queue {
            match queue.try_send(requests) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    self.failures.fetch_add(1, Ordering::Relaxed);
                    log_export_failure(
                        &self.endpoint,
                        "the previous collection is still being sent; this one was skipped",
                    );
                }
                Err(TrySendError::Disconnected(_)) => {
                    self.failures.fetch_add(1, Ordering::Relaxed);
                    log_export_failure(&self.endpoint, "the export thread has stopped");
                }
            }
        }
        n
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
