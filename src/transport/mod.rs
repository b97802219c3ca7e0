//! OTLP out of the process, from our resolved `ExporterConfig`: our metric bodies ([`MetricSender`]) and the
//! SDK's span and log exporters, over gRPC (tonic) or HTTP/protobuf (reqwest).
//!
//! Why this module owns a tokio runtime: tonic's channel is spawned on a runtime when the exporter is built
//! and does its I/O there, so the runtime must exist before the build and outlive the exporter. Everything
//! here runs on our own threads (the metric export thread, the span and failure threads), never a JVM's.

mod exporters;
mod runtime;
mod sender;
mod tls;

pub use exporters::{log_exporter, span_exporter};
pub use runtime::{
    log_export_failure, log_rejected_points, log_skipped_collection, shutdown_runtime, with_runtime_context,
};
pub use sender::MetricSender;
pub use tls::install_tls_provider;
