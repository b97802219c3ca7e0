//! Test support: a real OTLP receiver (gRPC and HTTP/protobuf) and a real JVM running the built agent jar
//! with the Connect-shaped fixture (tests/fixture/ConnectFixture.java).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::ops::Deref;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{LogsService, LogsServiceServer};
use opentelemetry_proto::tonic::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{ExportMetricsServiceRequest, ExportMetricsServiceResponse};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{TraceService, TraceServiceServer};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as NumberValue;
use prost::Message;

pub mod cluster;
pub mod collector;
pub mod prometheus;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The agent jar built with test hooks by `scripts/build.sh --test`.
pub fn agent_jar() -> PathBuf {
    let jar = root().join("build/test/connect-otel-agent.jar");
    assert!(
        jar.is_file(),
        "{} is missing: run scripts/test.sh (or scripts/build.sh --test)",
        jar.display()
    );
    jar
}

/// The release jar built by `scripts/build.sh`, with every platform's library.
pub fn release_jar() -> PathBuf {
    let jar = root().join("build/connect-otel-agent.jar");
    assert!(jar.is_file(), "{} is missing: run scripts/build.sh", jar.display());
    jar
}

/// The release jar's library for `platform` (e.g. linux-aarch64-musl), extracted into `dir` with the JDK's
/// `jar` tool: what ships, not build/native/, which every build empties first.
pub fn release_library(platform: &str, dir: &Path) -> PathBuf {
    let entry = format!("native/{platform}/libconnect_otel.so");
    let status = Command::new("jar")
        .arg("xf")
        .arg(release_jar())
        .arg(&entry)
        .current_dir(dir)
        .status()
        .expect("run jar");
    let library = dir.join(&entry);
    assert!(
        status.success() && library.is_file(),
        "build/connect-otel-agent.jar has no {entry}: run scripts/build.sh (all four platforms)"
    );
    library
}

pub fn fixture_classpath() -> String {
    let r = root();
    assert!(
        r.join("build/fixture/ConnectFixture.class").is_file(),
        "fixture not compiled: run scripts/fetch-test-deps.sh"
    );
    format!(
        "{}:{}/*:{}:{}",
        r.join("build/fixture").display(),
        r.join(".cache/fixture-lib").display(),
        r.join("build/examples").display(),
        r.join("build/connect-otel-api.jar").display()
    )
}

// ---------------------------------------------------------------------------------------------------------
// The receiver

#[derive(Clone, Debug)]
pub struct Received<T> {
    pub request: T,
    pub headers: BTreeMap<String, String>,
    pub at: Instant,
}

#[derive(Default)]
pub struct Store {
    pub metrics: Vec<Received<ExportMetricsServiceRequest>>,
    pub traces: Vec<Received<ExportTraceServiceRequest>>,
    pub logs: Vec<Received<ExportLogsServiceRequest>>,
}

pub struct Receiver {
    pub grpc: SocketAddr,
    pub http: SocketAddr,
    pub store: Arc<Mutex<Store>>,
    runtime: Option<tokio::runtime::Runtime>,
}

/// What a default OpenTelemetry Collector accepts in one gRPC message (grpc's 4 MiB default).
pub const MAX_MESSAGE: usize = 4 << 20;

#[derive(Clone)]
struct GrpcSink(Arc<Mutex<Store>>);

/// Header names (lower case) and values, for gRPC metadata and HTTP headers alike.
fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect()
}

fn metadata_map(m: &tonic::metadata::MetadataMap) -> BTreeMap<String, String> {
    header_map(&m.clone().into_headers())
}

#[tonic::async_trait]
impl MetricsService for GrpcSink {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        let headers = metadata_map(request.metadata());
        if std::env::var("CONNECT_OTEL_TEST_SIZES").is_ok() {
            eprintln!("receiver: metrics request of {} bytes", request.get_ref().encoded_len());
        }
        self.0.lock().unwrap().metrics.push(Received {
            request: request.into_inner(),
            headers,
            at: Instant::now(),
        });
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl TraceService for GrpcSink {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let headers = metadata_map(request.metadata());
        self.0.lock().unwrap().traces.push(Received {
            request: request.into_inner(),
            headers,
            at: Instant::now(),
        });
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl LogsService for GrpcSink {
    async fn export(
        &self,
        request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        let headers = metadata_map(request.metadata());
        self.0.lock().unwrap().logs.push(Received {
            request: request.into_inner(),
            headers,
            at: Instant::now(),
        });
        Ok(tonic::Response::new(ExportLogsServiceResponse::default()))
    }
}

/// One OTLP/HTTP request body (gzip or not) as a `T`, kept by `keep`: 200 with an empty protobuf answer, or 400
/// for a body that is not a `T`.
fn accept_http<T: Message + Default>(headers: &HeaderMap, body: &[u8], keep: impl FnOnce(Received<T>)) -> Response {
    let gzip = headers.get(CONTENT_ENCODING).is_some_and(|e| e == "gzip");
    let mut unzipped = Vec::new();
    let body = if gzip {
        if flate2::read::GzDecoder::new(body).read_to_end(&mut unzipped).is_err() {
            return StatusCode::BAD_REQUEST.into_response();
        }
        &unzipped[..]
    } else {
        body
    };
    match T::decode(body) {
        Ok(request) => {
            keep(Received {
                request,
                headers: header_map(headers),
                at: Instant::now(),
            });
            (StatusCode::OK, [(CONTENT_TYPE, "application/x-protobuf")]).into_response()
        }
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// The receiver's OTLP/HTTP side: `POST /v1/metrics`, `/v1/traces` and `/v1/logs`, any body size (the gRPC side
/// holds the 4 MiB limit); other paths get 404.
fn http_routes(store: Arc<Mutex<Store>>) -> axum::Router {
    use axum::routing::post;
    let (metrics, traces, logs) = (store.clone(), store.clone(), store);
    axum::Router::new()
        .route(
            "/v1/metrics",
            post(move |headers: HeaderMap, body: Bytes| {
                let response = accept_http(&headers, &body, |r| metrics.lock().unwrap().metrics.push(r));
                async move { response }
            }),
        )
        .route(
            "/v1/traces",
            post(move |headers: HeaderMap, body: Bytes| {
                let response = accept_http(&headers, &body, |r| traces.lock().unwrap().traces.push(r));
                async move { response }
            }),
        )
        .route(
            "/v1/logs",
            post(move |headers: HeaderMap, body: Bytes| {
                let response = accept_http(&headers, &body, |r| logs.lock().unwrap().logs.push(r));
                async move { response }
            }),
        )
        .layer(DefaultBodyLimit::disable())
}

impl Receiver {
    pub fn start() -> Receiver {
        Receiver::start_with_tls(None)
    }

    /// With `tls` (server certificate PEM, server key PEM, client CA PEM), the gRPC endpoint requires TLS and
    /// a client certificate signed by that CA (mTLS). The HTTP endpoint stays plain.
    pub fn start_with_tls(tls: Option<(Vec<u8>, Vec<u8>, Vec<u8>)>) -> Receiver {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let store = Arc::new(Mutex::new(Store::default()));
        let (grpc, http) = runtime.block_on(async {
            let grpc_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let http_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let (grpc, http) = (grpc_listener.local_addr().unwrap(), http_listener.local_addr().unwrap());
            let sink = GrpcSink(store.clone());
            tokio::spawn(async move {
                let gzip = tonic::codec::CompressionEncoding::Gzip;
                let mut server = tonic::transport::Server::builder();
                if let Some((cert, key, ca)) = tls {
                    use tonic::transport::{Certificate, Identity, ServerTlsConfig};
                    let config = ServerTlsConfig::new()
                        .identity(Identity::from_pem(cert, key))
                        .client_ca_root(Certificate::from_pem(ca));
                    server = server.tls_config(config).expect("server TLS configuration");
                }
                server
                    .add_service(
                        MetricsServiceServer::new(sink.clone())
                            .accept_compressed(gzip)
                            .max_decoding_message_size(MAX_MESSAGE),
                    )
                    .add_service(TraceServiceServer::new(sink.clone()).accept_compressed(gzip))
                    .add_service(LogsServiceServer::new(sink).accept_compressed(gzip))
                    .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(grpc_listener))
                    .await
                    .unwrap();
            });
            let routes = http_routes(store.clone());
            tokio::spawn(async move { axum::serve(http_listener, routes).await.unwrap() });
            (grpc, http)
        });
        Receiver {
            grpc,
            http,
            store,
            runtime: Some(runtime),
        }
    }

    pub fn grpc_endpoint(&self) -> String {
        format!("http://{}", self.grpc)
    }

    pub fn http_endpoint(&self) -> String {
        format!("http://{}", self.http)
    }

    pub fn metric_requests(&self) -> usize {
        self.store.lock().unwrap().metrics.len()
    }

    /// From the `first`-th metric request on (see [`Receiver::metric_requests`]): when each arrived, and its points.
    pub fn metric_points_since(&self, first: usize) -> Vec<(Instant, Vec<Point>)> {
        let store = self.store.lock().unwrap();
        store
            .metrics
            .iter()
            .skip(first)
            .map(|r| (r.at, points(&r.request)))
            .collect()
    }

    /// Points of the newest metric export.
    pub fn latest_points(&self) -> Vec<Point> {
        let store = self.store.lock().unwrap();
        store.metrics.last().map(|r| points(&r.request)).unwrap_or_default()
    }

    /// Per `service.instance.id` (one per worker), the points of that worker's newest export.
    pub fn latest_by_instance(&self) -> BTreeMap<String, Vec<Point>> {
        let store = self.store.lock().unwrap();
        let mut out: BTreeMap<String, Vec<Point>> = BTreeMap::new();
        for r in store.metrics.iter().rev() {
            let p = points(&r.request);
            let Some(id) = p.first().and_then(|x| x.resource.get("service.instance.id")).cloned() else {
                continue;
            };
            out.entry(id).or_insert(p);
        }
        out
    }

    /// Points of the newest complete collection when the agent splits it over several requests: its points
    /// share one timestamp, and the agent's own metrics (`connect_otel.export.parts`) come in its last request.
    pub fn latest_collection(&self) -> Vec<Point> {
        let store = self.store.lock().unwrap();
        // Enough requests for two collections of the largest worker the tests make.
        let recent: Vec<Point> = store
            .metrics
            .iter()
            .rev()
            .take(40)
            .flat_map(|r| points(&r.request))
            .collect();
        let complete = recent
            .iter()
            .filter(|p| p.name == "connect_otel.export.parts")
            .map(|p| p.time)
            .max();
        match complete {
            Some(t) => recent.into_iter().filter(|p| p.time == t).collect(),
            None => Vec::new(),
        }
    }

    /// Like [`Receiver::wait_for`], over [`Receiver::latest_collection`].
    pub fn wait_for_collection(&self, timeout: Duration, what: &str, ok: impl Fn(&[Point]) -> bool) -> Vec<Point> {
        let start = Instant::now();
        loop {
            let p = self.latest_collection();
            if ok(&p) {
                return p;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out after {timeout:?} waiting for: {what} ({} exports received)",
                self.metric_requests()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits until the newest export satisfies `ok`; panics with `what` after `timeout`.
    pub fn wait_for(&self, timeout: Duration, what: &str, ok: impl Fn(&[Point]) -> bool) -> Vec<Point> {
        let start = Instant::now();
        let mut seen = 0;
        loop {
            let n = self.metric_requests();
            if n != seen {
                seen = n;
                let p = self.latest_points();
                if ok(&p) {
                    return p;
                }
            }
            assert!(
                start.elapsed() < timeout,
                "timed out after {timeout:?} waiting for: {what} ({seen} exports received)"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Flattened points

#[derive(Clone, Debug, PartialEq)]
pub enum PointKind {
    Gauge,
    Sum { monotonic: bool },
    Other,
}

#[derive(Clone, Debug)]
pub struct Point {
    pub name: String,
    pub unit: String,
    pub kind: PointKind,
    pub attributes: BTreeMap<String, String>,
    pub value: f64,
    pub resource: BTreeMap<String, String>,
    pub scope: String,
    /// `time_unix_nano`: the same for every point of one collection.
    pub time: u64,
    /// `start_time_unix_nano` (0 for a gauge).
    pub start: u64,
    /// The last point of a series the agent no longer has (flag `NO_RECORDED_VALUE`, no value).
    pub ended: bool,
}

pub fn any_to_string(v: &Option<opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match v.as_ref().and_then(|v| v.value.as_ref()) {
        Some(AnyValue::StringValue(s)) => s.clone(),
        Some(AnyValue::IntValue(i)) => i.to_string(),
        Some(AnyValue::DoubleValue(d)) => d.to_string(),
        Some(AnyValue::BoolValue(b)) => b.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

pub fn kv_map(kvs: &[KeyValue]) -> BTreeMap<String, String> {
    kvs.iter()
        .map(|kv| (kv.key.clone(), any_to_string(&kv.value)))
        .collect()
}

pub fn points(req: &ExportMetricsServiceRequest) -> Vec<Point> {
    let mut out = Vec::new();
    for rm in &req.resource_metrics {
        let resource = rm.resource.as_ref().map(|r| kv_map(&r.attributes)).unwrap_or_default();
        for sm in &rm.scope_metrics {
            let scope = sm.scope.as_ref().map(|s| s.name.clone()).unwrap_or_default();
            for m in &sm.metrics {
                let (kind, dps) = match &m.data {
                    Some(Data::Gauge(g)) => (PointKind::Gauge, &g.data_points),
                    Some(Data::Sum(s)) => (
                        PointKind::Sum {
                            monotonic: s.is_monotonic,
                        },
                        &s.data_points,
                    ),
                    _ => {
                        out.push(Point {
                            name: m.name.clone(),
                            unit: m.unit.clone(),
                            kind: PointKind::Other,
                            attributes: BTreeMap::new(),
                            value: f64::NAN,
                            resource: resource.clone(),
                            scope: scope.clone(),
                            time: 0,
                            start: 0,
                            ended: false,
                        });
                        continue;
                    }
                };
                for dp in dps {
                    let value = match dp.value {
                        Some(NumberValue::AsDouble(d)) => d,
                        Some(NumberValue::AsInt(i)) => i as f64,
                        None => f64::NAN,
                    };
                    out.push(Point {
                        name: m.name.clone(),
                        unit: m.unit.clone(),
                        kind: kind.clone(),
                        attributes: kv_map(&dp.attributes),
                        value,
                        resource: resource.clone(),
                        scope: scope.clone(),
                        time: dp.time_unix_nano,
                        start: dp.start_time_unix_nano,
                        ended: dp.flags & 1 != 0,
                    });
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------
// Flattened spans

#[derive(Clone, Debug)]
pub struct SpanView {
    pub trace_id: String,
    pub span_id: String,
    pub parent_span_id: String,
    pub name: String,
    pub kind: i32,
    pub attributes: BTreeMap<String, String>,
    pub dropped_attributes: u32,
    pub events: Vec<(String, BTreeMap<String, String>)>,
    pub dropped_events: u32,
    pub links: Vec<(String, String)>,
    /// Each link's `trace_state`.
    pub link_trace_states: Vec<String>,
    pub trace_state: String,
    pub status_code: i32,
    pub status_message: String,
    pub scope: String,
    pub scope_version: String,
    pub resource: BTreeMap<String, String>,
    pub flags: u32,
    pub start: u64,
    pub end: u64,
}

/// One log record as the tests look at it.
#[derive(Clone, Debug)]
pub struct LogView {
    pub event_name: String,
    pub severity_number: i32,
    pub severity_text: String,
    pub body: String,
    pub attributes: BTreeMap<String, String>,
    pub resource: BTreeMap<String, String>,
}

impl Receiver {
    pub fn logs(&self) -> Vec<LogView> {
        let store = self.store.lock().unwrap();
        let mut out = Vec::new();
        for r in &store.logs {
            for rl in &r.request.resource_logs {
                let resource = rl.resource.as_ref().map(|r| kv_map(&r.attributes)).unwrap_or_default();
                for sl in &rl.scope_logs {
                    for l in &sl.log_records {
                        out.push(LogView {
                            event_name: l.event_name.clone(),
                            severity_number: l.severity_number,
                            severity_text: l.severity_text.clone(),
                            body: any_to_string(&l.body),
                            attributes: kv_map(&l.attributes),
                            resource: resource.clone(),
                        });
                    }
                }
            }
        }
        out
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

impl Receiver {
    /// Every span received so far.
    pub fn spans(&self) -> Vec<SpanView> {
        let store = self.store.lock().unwrap();
        let mut out = Vec::new();
        for r in &store.traces {
            for rs in &r.request.resource_spans {
                let resource = rs.resource.as_ref().map(|r| kv_map(&r.attributes)).unwrap_or_default();
                for ss in &rs.scope_spans {
                    let (scope, scope_version) = ss
                        .scope
                        .as_ref()
                        .map(|s| (s.name.clone(), s.version.clone()))
                        .unwrap_or_default();
                    for s in &ss.spans {
                        out.push(SpanView {
                            trace_id: hex(&s.trace_id),
                            span_id: hex(&s.span_id),
                            parent_span_id: hex(&s.parent_span_id),
                            name: s.name.clone(),
                            kind: s.kind,
                            attributes: kv_map(&s.attributes),
                            dropped_attributes: s.dropped_attributes_count,
                            dropped_events: s.dropped_events_count,
                            events: s
                                .events
                                .iter()
                                .map(|e| (e.name.clone(), kv_map(&e.attributes)))
                                .collect(),
                            links: s.links.iter().map(|l| (hex(&l.trace_id), hex(&l.span_id))).collect(),
                            link_trace_states: s.links.iter().map(|l| l.trace_state.clone()).collect(),
                            trace_state: s.trace_state.clone(),
                            status_code: s.status.as_ref().map(|st| st.code).unwrap_or(0),
                            status_message: s.status.as_ref().map(|st| st.message.clone()).unwrap_or_default(),
                            scope: scope.clone(),
                            scope_version: scope_version.clone(),
                            resource: resource.clone(),
                            flags: s.flags,
                            start: s.start_time_unix_nano,
                            end: s.end_time_unix_nano,
                        });
                    }
                }
            }
        }
        out
    }

    /// Waits until the spans received satisfy `ok`.
    pub fn wait_for_spans(&self, timeout: Duration, what: &str, ok: impl Fn(&[SpanView]) -> bool) -> Vec<SpanView> {
        let start = Instant::now();
        loop {
            let s = self.spans();
            if ok(&s) {
                return s;
            }
            assert!(
                start.elapsed() < timeout,
                "timed out after {timeout:?} waiting for: {what}; spans: {s:#?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Points of `name` whose attributes include every pair in `attrs`.
/// The points of `name` with `attrs` that carry a value (not the end of a series).
pub fn select<'a>(points: &'a [Point], name: &str, attrs: &[(&str, &str)]) -> Vec<&'a Point> {
    points
        .iter()
        .filter(|p| {
            !p.ended
                && p.name == name
                && attrs
                    .iter()
                    .all(|(k, v)| p.attributes.get(*k).map(|x| x == v).unwrap_or(false))
        })
        .collect()
}

/// The single point of `name` with `attrs`.
pub fn one<'a>(points: &'a [Point], name: &str, attrs: &[(&str, &str)]) -> &'a Point {
    let found = select(points, name, attrs);
    assert_eq!(
        found.len(),
        1,
        "expected one point {name} {attrs:?}, found {}: {found:?}",
        found.len()
    );
    found[0]
}

// ---------------------------------------------------------------------------------------------------------
// The JVM

pub struct Jvm {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: Arc<Mutex<String>>,
    /// The JVM's `java.io.tmpdir` unless the test chose one; dropped after the JVM is killed.
    _tmpdir: Option<TestDir>,
}

pub struct JvmBuilder {
    jar: Option<PathBuf>,
    agent_args: String,
    env: Vec<(String, String)>,
    jvm_args: Vec<String>,
    program_args: Vec<String>,
    current_dir: Option<PathBuf>,
    java: String,
    /// Class path and main class instead of the Connect fixture's.
    main: Option<(String, String)>,
}

impl JvmBuilder {
    pub fn new() -> JvmBuilder {
        JvmBuilder {
            jar: Some(agent_jar()),
            agent_args: String::new(),
            env: Vec::new(),
            jvm_args: Vec::new(),
            program_args: Vec::new(),
            current_dir: None,
            java: std::env::var("CONNECT_OTEL_TEST_JAVA").unwrap_or_else(|_| "java".into()),
            main: None,
        }
    }
    pub fn without_agent(mut self) -> Self {
        self.jar = None;
        self
    }
    pub fn jar(mut self, jar: &Path) -> Self {
        self.jar = Some(jar.to_path_buf());
        self
    }
    pub fn args(mut self, args: &str) -> Self {
        self.agent_args = args.to_string();
        self
    }
    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }
    pub fn jvm_arg(mut self, a: &str) -> Self {
        self.jvm_args.push(a.into());
        self
    }
    /// After the main class, as a worker's properties file follows Connect's (it ends up in `sun.java.command`).
    pub fn program_arg(mut self, a: &str) -> Self {
        self.program_args.push(a.into());
        self
    }
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.current_dir = Some(dir.to_path_buf());
        self
    }
    /// Runs `class` from `classpath` instead of the Connect fixture.
    pub fn main_class(mut self, classpath: &str, class: &str) -> Self {
        self.main = Some((classpath.into(), class.into()));
        self
    }
    pub fn java(mut self, java: &str) -> Self {
        self.java = java.into();
        self
    }
    pub fn spawn(self) -> Jvm {
        let mut cmd = Command::new(&self.java);
        // Keep the test hermetic: no OTEL_* from the environment running the tests.
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")) {
            cmd.env_remove(k);
        }
        if let Some(jar) = &self.jar {
            if self.agent_args.is_empty() {
                cmd.arg(format!("-javaagent:{}", jar.display()));
            } else {
                cmd.arg(format!("-javaagent:{}={}", jar.display(), self.agent_args));
            }
        }
        cmd.args(&self.jvm_args);
        // The agent extracts its library into `<java.io.tmpdir>/connect-otel-<uid>/`: unless the test points
        // it somewhere itself, a directory of this JVM's own, shaped like /tmp (root's, sticky, writable by all:
        // a worker run as another user extracts there too), so nothing is left behind or shared between runs.
        let tmpdir = (!self.jvm_args.iter().any(|a| a.starts_with("-Djava.io.tmpdir="))).then(|| {
            let dir = temp_dir_with_mode("jvm-tmp", 0o1777);
            cmd.arg(format!("-Djava.io.tmpdir={}", dir.display()));
            dir
        });
        let (classpath, main) = self
            .main
            .clone()
            .unwrap_or_else(|| (fixture_classpath(), "ConnectFixture".into()));
        cmd.arg("-cp").arg(classpath).arg(main).args(&self.program_args);
        if let Some(dir) = &self.current_dir {
            cmd.current_dir(dir);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start java");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut err = child.stderr.take().unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Jvm {
            child,
            stdin,
            stdout,
            stderr,
            _tmpdir: tmpdir,
        }
    }
}

impl Jvm {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one fixture command and returns its reply line.
    pub fn cmd(&mut self, line: &str) -> String {
        let stdin = self.stdin.as_mut().expect("stdin open");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
        let mut reply = String::new();
        self.stdout.read_line(&mut reply).unwrap();
        let reply = reply.trim().to_string();
        assert!(
            !reply.starts_with("error"),
            "fixture `{line}` failed: {reply}\nstderr:\n{}",
            self.stderr()
        );
        reply
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr contains `needle`.
    pub fn wait_for_stderr(&self, needle: &str, timeout: Duration) -> String {
        let start = Instant::now();
        loop {
            let s = self.stderr();
            if s.contains(needle) {
                return s;
            }
            assert!(start.elapsed() < timeout, "stderr never contained {needle:?}:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Asks the program to end (as a worker's main would) and waits for the JVM to exit, which must happen
    /// within `limit` (a hang detector, not a performance threshold). Returns exit status and elapsed time.
    pub fn exit(mut self, limit: Duration) -> (ExitStatus, Duration, String) {
        let start = Instant::now();
        if let Some(mut stdin) = self.stdin.take() {
            let _ = writeln!(stdin, "exit");
        }
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(100)); // let the stderr reader drain
                return (status, start.elapsed(), self.stderr());
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                panic!("the JVM did not exit within {limit:?}; stderr:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Jvm {
    fn drop(&mut self) {
        // SIGTERM first, as a service manager stops a worker: a JVM that exits removes its attach socket
        // (/tmp/.java_pid<pid>) and its performance data, which SIGKILL leaves behind. Killed if that takes long.
        if let Ok(None) = self.child.try_wait() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status();
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(5) && matches!(self.child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A worker properties file, as Connect's CLI would be given (the agent reads group.id and listeners).
pub fn worker_properties(dir: &Path, group: &str, port: u16) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let p = dir.join("connect-distributed.properties");
    std::fs::write(
        &p,
        format!("bootstrap.servers=127.0.0.1:9092\ngroup.id={group}\nlisteners=http://127.0.0.1:{port}\n"),
    )
    .unwrap();
    p
}

/// This test process's effective uid (the agent names its private directory by it).
pub fn effective_uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1)?.parse::<u32>().ok())
        .expect("a Uid line in /proc/self/status")
}

/// A test's own directory under the system temp dir, `connect-otel-test-<name>-<random>`, removed with
/// everything in it when dropped, also when the test panics. Keep it in a variable for as long as anything
/// (a JVM's working directory, its `java.io.tmpdir`) uses it: a temporary would be gone at the end of its
/// statement.
#[must_use = "the directory is removed when this is dropped"]
pub struct TestDir(tempfile::TempDir);

impl Deref for TestDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for TestDir {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

/// A [`TestDir`] with the mode `mode` (tempfile makes 0700; processes run as another user read some of them).
pub fn temp_dir_with_mode(name: &str, mode: u32) -> TestDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("connect-otel-test-{name}-"))
        .tempdir()
        .expect("create a temporary directory");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(mode)).unwrap();
    TestDir(dir)
}

/// A [`TestDir`] with mode 0755, as `mkdir` would make it.
pub fn temp_dir(name: &str) -> TestDir {
    temp_dir_with_mode(name, 0o755)
}

/// A blocking HTTP client for the tests' plain-http calls. The crate's reqwest comes without a rustls
/// provider (the library installs ring when the JVM loads it), so a test installs the same one first.
pub fn http_client(timeout: Duration) -> reqwest::blocking::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("an HTTP client")
}

// Certificates

pub fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, in `dir`.
pub fn certificates(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=connect-otel test CA",
        ],
    );
    for (name, usage, san) in [
        ("server", "serverAuth", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"),
        ("client", "clientAuth", ""),
    ] {
        std::fs::write(
            dir.join(format!("{name}.ext")),
            format!(
                "{san}basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage={usage}\n"
            ),
        )
        .unwrap();
        openssl(
            dir,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/CN=connect-otel test {name}"),
            ],
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &format!("{name}.csr"),
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &format!("{name}.pem"),
                "-days",
                "2",
                "-extfile",
                &format!("{name}.ext"),
            ],
        );
    }
}
