//! The failure thread: takes transitions from the collector's thread, asks the REST API, emits log records.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::SystemTime;

use opentelemetry::logs::{AnyValue, LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::Resource;

use super::record::record;
use super::rest::RestClient;
use super::watch::{Change, Transition};
use crate::config::{ExporterConfig, FailuresConfig, Protocol};
use crate::worker::RestTarget;

/// Counts of the failure reporter, published as agent metrics.
#[derive(Default)]
pub struct FailureStats {
    pub records: AtomicU64,
    pub dropped: AtomicU64,
}

pub struct FailureReporter {
    sender: SyncSender<Vec<Transition>>,
    pub stats: Arc<FailureStats>,
}

impl FailureReporter {
    /// Starts the reporter thread. `Err` (already phrased for the log) when the exporter cannot be built.
    pub fn start(
        exporter: &ExporterConfig,
        config: &FailuresConfig,
        target: RestTarget,
        resource: Resource,
        worker_id: String,
    ) -> Result<FailureReporter, String> {
        let log_exporter = crate::transport::log_exporter(exporter)?;
        let provider = SdkLoggerProvider::builder()
            .with_resource(resource)
            .with_simple_exporter(log_exporter)
            .build();
        let rest = RestClient::new(config, target)?;
        let (sender, receiver) = sync_channel(16);
        let stats = Arc::new(FailureStats::default());
        let thread_stats = stats.clone();
        let protocol = exporter.protocol;
        std::thread::Builder::new()
            .name("connect-otel-failures".into())
            .spawn(move || {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    report_loop(receiver, provider, rest, protocol, &worker_id, &thread_stats)
                }));
            })
            .map_err(|e| format!("cannot start the failure reporter thread: {e}"))?;
        Ok(FailureReporter { sender, stats })
    }

    /// Hands transitions to the reporter; never blocks (a full queue drops and counts them).
    pub fn send(&self, transitions: Vec<Transition>) {
        if transitions.is_empty() {
            return;
        }
        let n = transitions.len() as u64;
        match self.sender.try_send(transitions) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                self.stats.dropped.fetch_add(n, Ordering::Relaxed);
            }
        }
    }
}

fn report_loop(
    receiver: Receiver<Vec<Transition>>,
    provider: SdkLoggerProvider,
    rest: RestClient,
    protocol: Protocol,
    worker_id: &str,
    stats: &FailureStats,
) {
    let logger = provider.logger("io.connectotel.connect");
    let mut rest_was_down = false;
    while let Ok(transitions) = receiver.recv() {
        let statuses = if transitions.iter().any(|t| t.change == Change::Failed) {
            let s = rest.statuses();
            match &s {
                Err(e) if !rest_was_down => {
                    crate::log_warn!("cannot read failure traces from the worker's REST API: {e}; failure log records go out without them");
                    rest_was_down = true;
                }
                Ok(_) if rest_was_down => {
                    crate::log_info!("the worker's REST API answers again; failure traces are back");
                    rest_was_down = false;
                }
                _ => {}
            }
            s
        } else {
            Ok(HashMap::new())
        };
        for t in &transitions {
            let rest = match &statuses {
                Ok(map) => Ok(map.get(&t.subject)),
                Err(e) => Err(e.as_str()),
            };
            let r = record(t, worker_id, rest);
            let mut lr = logger.create_log_record();
            lr.set_event_name(r.event_name);
            lr.set_severity_number(r.severity);
            lr.set_severity_text(if r.severity == Severity::Error { "ERROR" } else { "INFO" });
            lr.set_timestamp(SystemTime::now());
            lr.set_body(AnyValue::from(r.body));
            for (k, v) in r.attributes {
                lr.add_attribute(k, v);
            }
            // The simple processor exports on this thread; gRPC needs the I/O runtime's context.
            match protocol {
                Protocol::Grpc => crate::transport::with_runtime_context(|| logger.emit(lr)),
                Protocol::HttpProtobuf => logger.emit(lr),
            }
            stats.records.fetch_add(1, Ordering::Relaxed);
        }
    }
    let _ = provider.shutdown();
}
