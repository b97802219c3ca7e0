//! OTLP exporters built from our resolved [`ExporterConfig`], for gRPC (tonic) and HTTP/protobuf.
//!
//! Why this module owns a tokio runtime: tonic's channel is spawned on a runtime when the exporter is built
//! and does its I/O there, so the runtime must exist before the build and outlive the exporter. The SDK's
//! reader and batch processor run on their own threads; nothing here runs on a JVM thread.

use std::sync::Mutex;
use std::time::Duration;

use once_cell::sync::Lazy;
use opentelemetry_otlp::{Protocol as OtlpProtocol, WithExportConfig, WithHttpConfig, WithTonicConfig};

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

pub fn span_exporter(config: &ExporterConfig) -> Result<opentelemetry_otlp::SpanExporter, String> {
    build_exporter!(opentelemetry_otlp::SpanExporter, config)
}

pub fn log_exporter(config: &ExporterConfig) -> Result<opentelemetry_otlp::LogExporter, String> {
    build_exporter!(opentelemetry_otlp::LogExporter, config)
}

/// Sends encoded `ExportMetricsServiceRequest` bodies ([`crate::encode`]) over OTLP/gRPC or OTLP/HTTP, with
/// the exporter settings (endpoint, headers, timeout, gzip, TLS/mTLS). Blocking; called only from the
/// metrics export thread. No retries: the next collection sends fresh values a minute or less later.
pub enum MetricSender {
    Grpc {
        client: tonic::client::Grpc<tonic::transport::Channel>,
        metadata: Vec<(tonic::metadata::AsciiMetadataKey, tonic::metadata::AsciiMetadataValue)>,
        timeout: Duration,
    },
    Http {
        client: reqwest::blocking::Client,
        endpoint: String,
        headers: reqwest::header::HeaderMap,
        gzip: bool,
        timeout: Duration,
    },
}

/// A request that got no answer: says so, with the limit and the key that sets it (the endpoint is in the
/// line around it).
pub fn timed_out(timeout: Duration) -> String {
    format!(
        "timed out: no answer within {} ms (otel.exporter.otlp.timeout)",
        timeout.as_millis()
    )
}

const METRICS_EXPORT_PATH: &str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

impl MetricSender {
    pub fn new(config: &ExporterConfig) -> Result<MetricSender, String> {
        let invalid_header = |k: &str| format!("header {k:?} is not a valid header (value not shown)");
        match config.protocol {
            Protocol::Grpc => {
                let mut metadata = Vec::new();
                for (k, v) in &config.headers {
                    let key = tonic::metadata::AsciiMetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes())
                        .map_err(|_| invalid_header(k))?;
                    let value = v.parse().map_err(|_| invalid_header(k))?;
                    metadata.push((key, value));
                }
                let tls = grpc_tls(config)?;
                let endpoint = tonic::transport::Endpoint::from_shared(config.endpoint.clone())
                    .map_err(|e| format!("the OTLP endpoint {} is not a valid URL: {e}", config.endpoint))?
                    .timeout(config.timeout)
                    .connect_timeout(config.timeout);
                let endpoint = match tls {
                    Some(tls) => endpoint
                        .tls_config(tls)
                        .map_err(|e| format!("cannot set up TLS for {}: {e}", config.endpoint))?,
                    None => endpoint,
                };
                // The channel's connection task runs on the I/O runtime.
                let channel = in_runtime(|| endpoint.connect_lazy())?;
                let mut client = tonic::client::Grpc::new(channel);
                if config.compression == Compression::Gzip {
                    client = client.send_compressed(tonic::codec::CompressionEncoding::Gzip);
                }
                Ok(MetricSender::Grpc {
                    client,
                    metadata,
                    timeout: config.timeout,
                })
            }
            Protocol::HttpProtobuf => {
                let mut headers = reqwest::header::HeaderMap::new();
                for (k, v) in &config.headers {
                    let name = reqwest::header::HeaderName::from_bytes(k.as_bytes()).map_err(|_| invalid_header(k))?;
                    let value = reqwest::header::HeaderValue::from_str(v).map_err(|_| invalid_header(k))?;
                    headers.insert(name, value);
                }
                headers.insert(
                    reqwest::header::CONTENT_TYPE,
                    reqwest::header::HeaderValue::from_static("application/x-protobuf"),
                );
                let gzip = config.compression == Compression::Gzip;
                if gzip {
                    headers.insert(
                        reqwest::header::CONTENT_ENCODING,
                        reqwest::header::HeaderValue::from_static("gzip"),
                    );
                }
                Ok(MetricSender::Http {
                    client: http_client(config)?,
                    endpoint: config.endpoint.clone(),
                    headers,
                    gzip,
                    timeout: config.timeout,
                })
            }
        }
    }

    /// Sends one request body; the error says what went wrong (never a header value).
    pub fn send(&mut self, body: Vec<u8>) -> Result<(), String> {
        match self {
            MetricSender::Grpc {
                client,
                metadata,
                timeout,
            } => {
                let mut request = tonic::Request::new(body);
                for (k, v) in metadata.iter() {
                    request.metadata_mut().insert(k.clone(), v.clone());
                }
                request.set_timeout(*timeout);
                let timeout = *timeout;
                let call = async {
                    client.ready().await.map_err(|e| format!("not connected: {e}"))?;
                    client
                        .unary::<Vec<u8>, (), _>(
                            request,
                            tonic::codegen::http::uri::PathAndQuery::from_static(METRICS_EXPORT_PATH),
                            RawCodec,
                        )
                        .await
                        .map(|_| ())
                        .map_err(|s| {
                            // tonic's own deadline ends the call as `Cancelled: Timeout expired`.
                            let deadline = s.code() == tonic::Code::DeadlineExceeded
                                || (s.code() == tonic::Code::Cancelled && s.message().contains("Timeout expired"));
                            if deadline {
                                timed_out(timeout)
                            } else {
                                with_cause(format!("{:?}: {}", s.code(), s.message()), &s)
                            }
                        })
                };
                let handle = RUNTIME
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .as_ref()
                    .map(|rt| rt.handle().clone())
                    .ok_or("the I/O runtime is stopped")?;
                handle.block_on(async {
                    tokio::time::timeout(timeout + Duration::from_millis(500), call)
                        .await
                        .unwrap_or_else(|_| Err(timed_out(timeout)))
                })
            }
            MetricSender::Http {
                client,
                endpoint,
                headers,
                gzip,
                timeout,
            } => {
                let body = if *gzip {
                    use std::io::Write;
                    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                    z.write_all(&body)
                        .and_then(|_| z.finish())
                        .map_err(|e| format!("gzip: {e}"))?
                } else {
                    body
                };
                let response = client
                    .post(endpoint.as_str())
                    .headers(headers.clone())
                    .body(body)
                    .send()
                    .map_err(|e| {
                        if e.is_timeout() {
                            timed_out(*timeout)
                        } else {
                            with_cause(e.to_string(), &e)
                        }
                    })?;
                let status = response.status();
                if status.is_success() {
                    Ok(())
                } else {
                    Err(format!("HTTP {status}"))
                }
            }
        }
    }
}

/// `message` and the innermost cause of `e`, which says what happened ("Connection refused"), where tonic's and
/// reqwest's own text only says where ("tcp connect error", "error sending request for url").
fn with_cause(message: String, e: &dyn std::error::Error) -> String {
    let mut root = e.source();
    while let Some(next) = root.and_then(|r| r.source()) {
        root = Some(next);
    }
    match root.map(|r| r.to_string()) {
        Some(cause) if !message.contains(&cause) => format!("{message}: {cause}"),
        _ => message,
    }
}

/// The gRPC codec for bodies that are already protobuf: written as they are; the answer (an
/// `ExportMetricsServiceResponse`, empty unless partly rejected) is not needed.
#[derive(Clone, Copy)]
struct RawCodec;

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = ();
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }

    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl tonic::codec::Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut tonic::codec::EncodeBuf<'_>) -> Result<(), tonic::Status> {
        use bytes::BufMut;
        dst.put_slice(&item);
        Ok(())
    }
}

impl tonic::codec::Decoder for RawCodec {
    type Item = ();
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut tonic::codec::DecodeBuf<'_>) -> Result<Option<()>, tonic::Status> {
        use bytes::Buf;
        src.advance(src.remaining());
        Ok(Some(()))
    }
}

/// Logs a failed metric export, at most once a minute.
pub fn log_export_failure(endpoint: &str, error: &str) {
    EXPORT_ERRORS.write(
        Level::Warn,
        "metrics-export",
        &format!("metric export to {endpoint} failed: {error}"),
    );
}

/// Logs a collection skipped because the one before is still being sent, at most once a minute — on its own
/// limit, so that it never hides the line that says why the sending takes so long (a timeout, usually).
pub fn log_skipped_collection(endpoint: &str, timeout: Duration) {
    EXPORT_ERRORS.write(
        Level::Warn,
        "metrics-export-skipped",
        &format!(
            "metric export to {endpoint}: a collection was skipped: the previous one is still waiting for an answer \
             (it may wait up to {} ms, otel.exporter.otlp.timeout)",
            timeout.as_millis()
        ),
    );
}
