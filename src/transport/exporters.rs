//! The span and log exporters: opentelemetry-otlp's, built from our resolved settings.

use opentelemetry_otlp::{Protocol as OtlpProtocol, WithExportConfig, WithHttpConfig, WithTonicConfig};

use super::runtime::in_runtime;
use super::tls::{grpc_tls, http_client};
use crate::config::{Compression, ExporterConfig, Protocol};

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

pub(super) fn otlp_compression(c: Compression) -> Option<opentelemetry_otlp::Compression> {
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
