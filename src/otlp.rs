//! OTLP exporters built from our resolved [`ExporterConfig`], for gRPC (tonic) and HTTP/protobuf.
//!
//! Why this module owns a tokio runtime: tonic's channel is spawned on a runtime when the exporter is built
//! and does its I/O there, so the runtime must exist before the build and outlive the exporter. The SDK's
//! reader and batch processor run on their own threads; nothing here runs on a JVM thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use once_cell::sync::Lazy;
use opentelemetry_otlp::{Protocol as OtlpProtocol, WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;

use crate::config::{Compression, ExporterConfig, Protocol};
use crate::log::{Level, RateLimited};

static RUNTIME: Lazy<Mutex<Option<tokio::runtime::Runtime>>> = Lazy::new(|| Mutex::new(None));
static EXPORT_ERRORS: Lazy<RateLimited> = Lazy::new(|| RateLimited::new(Duration::from_secs(60)));

/// Runs `f` inside the I/O runtime, creating it on first use.
fn in_runtime<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let mut slot = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    if slot.is_none() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("connect-otel-io")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the I/O runtime: {e}"))?;
        *slot = Some(rt);
    }
    let rt = slot.as_ref().ok_or("no runtime")?;
    let _guard = rt.enter();
    Ok(f())
}

/// Runs `f` with the I/O runtime as the current tokio context (tonic's futures need its reactor), without
/// holding the runtime's lock while `f` runs.
pub fn with_runtime_context<T>(f: impl FnOnce() -> T) -> T {
    let handle = RUNTIME
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|rt| rt.handle().clone());
    let _guard = handle.as_ref().map(|h| h.enter());
    f()
}

/// Stops the I/O runtime; call after every exporter is shut down, never from a tokio thread.
pub fn shutdown_runtime(timeout: Duration) {
    let rt = RUNTIME.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(rt) = rt {
        rt.shutdown_timeout(timeout);
    }
}

/// Installs ring as rustls' provider (once), which the HTTPS exporter needs: we build rustls without a default
/// provider to keep aws-lc-rs (a C build) out of the library.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn read_file(path: &str, what: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read the {what} {path}: {e}"))
}

fn grpc_tls(
    config: &ExporterConfig,
) -> Result<Option<opentelemetry_otlp::tonic_types::transport::ClientTlsConfig>, String> {
    use opentelemetry_otlp::tonic_types::transport::{Certificate, ClientTlsConfig, Identity};
    if !config.endpoint.starts_with("https://") {
        return Ok(None);
    }
    let mut tls = ClientTlsConfig::new().with_native_roots();
    if let Some(ca) = &config.ca_certificate {
        tls = tls.ca_certificate(Certificate::from_pem(read_file(ca, "CA certificate")?));
    }
    if let (Some(cert), Some(key)) = (&config.client_certificate, &config.client_key) {
        tls = tls.identity(Identity::from_pem(
            read_file(cert, "client certificate")?,
            read_file(key, "client key")?,
        ));
    }
    Ok(Some(tls))
}

fn http_client(config: &ExporterConfig) -> Result<reqwest::blocking::Client, String> {
    let mut b = reqwest::blocking::Client::builder().timeout(config.timeout);
    if let Some(ca) = &config.ca_certificate {
        let cert = reqwest::Certificate::from_pem(&read_file(ca, "CA certificate")?)
            .map_err(|e| format!("the CA certificate {ca} is not valid PEM: {e}"))?;
        b = b.add_root_certificate(cert);
    }
    if let (Some(cert), Some(key)) = (&config.client_certificate, &config.client_key) {
        let mut pem = read_file(cert, "client certificate")?;
        pem.extend(read_file(key, "client key")?);
        let id = reqwest::Identity::from_pem(&pem)
            .map_err(|e| format!("the client certificate/key are not valid PEM: {e}"))?;
        b = b.identity(id);
    }
    // The blocking client starts its own thread and must not be built inside a tokio context.
    std::thread::spawn(move || b.build())
        .join()
        .map_err(|_| "the HTTP client could not be built".to_string())?
        .map_err(|e| format!("the HTTP client could not be built: {e}"))
}

/// gRPC metadata from our resolved headers. Applied through an interceptor, after the SDK's own merge of
/// `OTEL_EXPORTER_OTLP_HEADERS`, so that our precedence (arguments over properties over environment) holds.
fn header_interceptor(
    headers: &[(String, String)],
) -> Result<impl tonic::service::Interceptor + Clone + Send + Sync + 'static, String> {
    use tonic::metadata::{MetadataKey, MetadataValue};
    let mut pairs = Vec::new();
    for (k, v) in headers {
        let key = MetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes())
            .map_err(|_| format!("header name {k:?} is not valid"))?;
        let value: MetadataValue<_> = v
            .parse()
            .map_err(|_| format!("the value of header {k:?} is not valid (not shown)"))?;
        pairs.push((key, value));
    }
    Ok(move |mut req: tonic::Request<()>| {
        for (k, v) in &pairs {
            req.metadata_mut().insert(k.clone(), v.clone());
        }
        Ok(req)
    })
}

fn otlp_compression(c: Compression) -> Option<opentelemetry_otlp::Compression> {
    match c {
        Compression::None => None,
        Compression::Gzip => Some(opentelemetry_otlp::Compression::Gzip),
    }
}

/// The same builder calls for every signal's exporter type.
macro_rules! build_exporter {
    ($exporter:path, $config:expr) => {{
        let config: &ExporterConfig = $config;
        match config.protocol {
            Protocol::Grpc => {
                let tls = grpc_tls(config)?;
                let interceptor = header_interceptor(&config.headers)?;
                in_runtime(|| {
                    let mut b = <$exporter>::builder()
                        .with_tonic()
                        .with_endpoint(config.endpoint.clone())
                        .with_timeout(config.timeout)
                        .with_interceptor(interceptor);
                    if let Some(tls) = tls {
                        b = b.with_tls_config(tls);
                    }
                    if let Some(c) = otlp_compression(config.compression) {
                        b = b.with_compression(c);
                    }
                    b.build()
                })?
            }
            Protocol::HttpProtobuf => {
                let mut b = <$exporter>::builder()
                    .with_http()
                    .with_protocol(OtlpProtocol::HttpBinary)
                    .with_endpoint(config.endpoint.clone())
                    .with_timeout(config.timeout)
                    .with_headers(config.headers.iter().cloned().collect())
                    .with_http_client(http_client(config)?);
                if let Some(c) = otlp_compression(config.compression) {
                    b = b.with_compression(c);
                }
                b.build()
            }
        }
        .map_err(|e| format!("cannot build the OTLP exporter for {}: {e}", config.endpoint))
    }};
}

pub fn metric_exporter(config: &ExporterConfig) -> Result<opentelemetry_otlp::MetricExporter, String> {
    build_exporter!(opentelemetry_otlp::MetricExporter, config)
}

pub fn span_exporter(config: &ExporterConfig) -> Result<opentelemetry_otlp::SpanExporter, String> {
    build_exporter!(opentelemetry_otlp::SpanExporter, config)
}

pub fn log_exporter(config: &ExporterConfig) -> Result<opentelemetry_otlp::LogExporter, String> {
    build_exporter!(opentelemetry_otlp::LogExporter, config)
}

/// Wraps a metric exporter to count failed exports (they become `connect_otel.export.failures`) and to log
/// them, rate-limited, instead of leaving them to the SDK's silent internal log.
pub struct CountingExporter<E> {
    inner: E,
    endpoint: String,
    pub failures: Arc<AtomicU64>,
}

impl<E> CountingExporter<E> {
    pub fn new(inner: E, endpoint: &str, failures: Arc<AtomicU64>) -> Self {
        CountingExporter {
            inner,
            endpoint: endpoint.to_string(),
            failures,
        }
    }
}

impl<E: PushMetricExporter> PushMetricExporter for CountingExporter<E> {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let result = self.inner.export(metrics).await;
        if let Err(e) = &result {
            self.failures.fetch_add(1, Ordering::Relaxed);
            EXPORT_ERRORS.write(
                Level::Warn,
                "metrics-export",
                &format!("metric export to {} failed: {e}", self.endpoint),
            );
        }
        result
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}
