//! Our metric bodies over OTLP/gRPC (tonic with a raw-bytes codec) or OTLP/HTTP (reqwest).

use std::time::Duration;

use super::runtime::{in_runtime, timed_out, with_cause, RUNTIME};
use super::tls::{grpc_tls, http_client};
use crate::config::{Compression, ExporterConfig, Protocol};

/// Sends encoded `ExportMetricsServiceRequest` bodies ([`crate::metrics::encode`]) over OTLP/gRPC or OTLP/HTTP, with
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

/// What the collector answered to a request it accepted: OTLP's partial success, when it rejected some points.
#[derive(Debug, Default, PartialEq)]
pub struct Accepted {
    /// `ExportMetricsPartialSuccess.rejected_data_points`.
    pub rejected_points: u64,
    /// `ExportMetricsPartialSuccess.error_message`: the collector's reason, if it gave one.
    pub message: String,
}

impl Accepted {
    /// Reads an `ExportMetricsServiceResponse` (`partial_success` = 1: `rejected_data_points` = 1,
    /// `error_message` = 2). An answer that is not one (an empty body, a proxy's page) rejects nothing.
    pub fn from_response(body: &[u8]) -> Accepted {
        let mut accepted = Accepted::default();
        for (field, value) in proto_fields(body) {
            if let (1, Field::Bytes(partial)) = (field, value) {
                for (field, value) in proto_fields(partial) {
                    match (field, value) {
                        (1, Field::Varint(n)) => accepted.rejected_points = (n as i64).max(0) as u64,
                        (2, Field::Bytes(m)) => accepted.message = String::from_utf8_lossy(m).into_owned(),
                        _ => {}
                    }
                }
            }
        }
        accepted
    }
}

enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Other,
}

/// The fields of a protobuf message, up to the first that does not parse.
fn proto_fields(mut buf: &[u8]) -> impl Iterator<Item = (u64, Field<'_>)> {
    fn varint(buf: &mut &[u8]) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = buf.split_first()?;
            *buf = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    std::iter::from_fn(move || {
        let key = varint(&mut buf)?;
        let field = match key & 7 {
            0 => Field::Varint(varint(&mut buf)?),
            1 | 5 => {
                let n = if key & 7 == 1 { 8 } else { 4 };
                buf = buf.get(n..)?;
                Field::Other
            }
            2 => {
                let n = usize::try_from(varint(&mut buf)?).ok()?;
                let (bytes, rest) = (buf.get(..n)?, buf.get(n..)?);
                buf = rest;
                Field::Bytes(bytes)
            }
            _ => return None,
        };
        Some((key >> 3, field))
    })
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
    pub fn send(&mut self, body: Vec<u8>) -> Result<Accepted, String> {
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
                        .unary::<Vec<u8>, Vec<u8>, _>(
                            request,
                            tonic::codegen::http::uri::PathAndQuery::from_static(METRICS_EXPORT_PATH),
                            RawCodec,
                        )
                        .await
                        .map(|response| Accepted::from_response(response.get_ref()))
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
                    // A body that cannot be read after a success status still means the request was taken. An
                    // answer is a few bytes: a proxy's page is not read past 64 KiB.
                    use std::io::Read;
                    let mut body = Vec::new();
                    let _ = response.take(64 << 10).read_to_end(&mut body);
                    Ok(Accepted::from_response(&body))
                } else {
                    Err(format!("HTTP {status}"))
                }
            }
        }
    }
}

/// The gRPC codec for bodies that are already protobuf: written as they are, and the answer (an
/// `ExportMetricsServiceResponse`, empty unless partly rejected) read as bytes.
#[derive(Clone, Copy)]
struct RawCodec;

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
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
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn decode(&mut self, src: &mut tonic::codec::DecodeBuf<'_>) -> Result<Option<Vec<u8>>, tonic::Status> {
        use bytes::Buf;
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
        MetricsService, MetricsServiceServer,
    };
    use opentelemetry_proto::tonic::collector::metrics::v1::{
        ExportMetricsPartialSuccess, ExportMetricsServiceRequest, ExportMetricsServiceResponse,
    };
    use prost::Message;

    use super::*;

    fn partial(rejected: i64, message: &str) -> ExportMetricsServiceResponse {
        ExportMetricsServiceResponse {
            partial_success: Some(ExportMetricsPartialSuccess {
                rejected_data_points: rejected,
                error_message: message.into(),
            }),
        }
    }

    fn config(protocol: Protocol, endpoint: String) -> ExporterConfig {
        ExporterConfig::plain(protocol, endpoint, Duration::from_secs(5))
    }

    #[test]
    fn a_partial_success_is_read_from_the_response() {
        let body = partial(7, "metric name is not valid").encode_to_vec();
        assert_eq!(
            Accepted::from_response(&body),
            Accepted {
                rejected_points: 7,
                message: "metric name is not valid".into()
            }
        );
        assert_eq!(Accepted::from_response(&[]), Accepted::default());
        assert_eq!(
            Accepted::from_response(&ExportMetricsServiceResponse::default().encode_to_vec()),
            Accepted::default()
        );
        // A proxy's HTML page, a cut-off message: nothing rejected, nothing panics.
        assert_eq!(Accepted::from_response(b"<html>ok</html>"), Accepted::default());
        assert_eq!(Accepted::from_response(&body[..body.len() - 3]), Accepted::default());
        // Fields the agent does not know are skipped.
        let mut with_unknown = vec![0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x20, 0x05];
        with_unknown.extend_from_slice(&body);
        assert_eq!(Accepted::from_response(&with_unknown).rejected_points, 7);
    }

    struct Rejecting;

    #[tonic::async_trait]
    impl MetricsService for Rejecting {
        async fn export(
            &self,
            request: tonic::Request<ExportMetricsServiceRequest>,
        ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
            let points: usize = request
                .get_ref()
                .resource_metrics
                .iter()
                .flat_map(|r| &r.scope_metrics)
                .map(|s| s.metrics.len())
                .sum();
            Ok(tonic::Response::new(partial(points as i64 + 2, "over the limit")))
        }
    }

    /// A body with one metric (a gauge without points is enough for the server to count it).
    fn one_metric() -> Vec<u8> {
        use opentelemetry_proto::tonic::metrics::v1::{Metric, ResourceMetrics, ScopeMetrics};
        ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![Metric {
                        name: "m".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
        .encode_to_vec()
    }

    #[test]
    fn rejected_points_come_back_over_grpc() {
        crate::transport::install_tls_provider();
        let server = tokio::runtime::Runtime::new().unwrap();
        let listener = server.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        server.spawn(
            tonic::transport::Server::builder()
                .add_service(MetricsServiceServer::new(Rejecting))
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        let mut sender = MetricSender::new(&config(Protocol::Grpc, format!("http://{addr}"))).unwrap();
        let accepted = sender.send(one_metric()).unwrap();
        assert_eq!(
            (accepted.rejected_points, accepted.message.as_str()),
            (3, "over the limit")
        );
    }

    #[test]
    fn rejected_points_come_back_over_http() {
        crate::transport::install_tls_provider();
        let server = tokio::runtime::Runtime::new().unwrap();
        let listener = server.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().route(
            "/v1/metrics",
            axum::routing::post(|body: axum::body::Bytes| async move {
                let request = ExportMetricsServiceRequest::decode(body).unwrap();
                let points = request.resource_metrics.len() as i64;
                (
                    [("content-type", "application/x-protobuf")],
                    partial(points + 4, "").encode_to_vec(),
                )
            }),
        );
        server.spawn(async move { axum::serve(listener, app).await });
        let mut sender =
            MetricSender::new(&config(Protocol::HttpProtobuf, format!("http://{addr}/v1/metrics"))).unwrap();
        let accepted = sender.send(one_metric()).unwrap();
        assert_eq!((accepted.rejected_points, accepted.message.as_str()), (5, ""));
    }
}
