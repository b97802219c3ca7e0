//! A local OTLP receiver with a live terminal view of what connect-otel exports: workers, connectors and
//! tasks with their state, records/s in and out, sink lag, offset-commit success, the last failure with the
//! trace from its failure log record, spans.
//!
//!   cargo run --release --example otlp_view -- [PORT]      (gRPC, default 4317)
//!
//! Refreshes in place every 2 s in 80 columns; Ctrl-C quits. Used by scripts/demo.sh.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

type Attrs = BTreeMap<String, String>;

/// What the view knows: per worker, the newest value of every series; spans seen.
#[derive(Default)]
struct State {
    workers: BTreeMap<String, Worker>,
    spans: Vec<Instant>,
    last_trace: Option<String>,
    last_failure: Option<String>,
    /// The newest failure log record: who, and the first lines of its trace.
    last_failure_record: Option<(String, Vec<String>)>,
}

#[derive(Default)]
struct Worker {
    resource: Attrs,
    series: BTreeMap<(String, Vec<(String, String)>), f64>,
    at: Option<Instant>,
}

impl Worker {
    fn get(&self, name: &str, attrs: &[(&str, &str)]) -> Option<f64> {
        self.series
            .iter()
            .find(|((n, a), _)| n == name && attrs.iter().all(|(k, v)| a.iter().any(|(ak, av)| ak == k && av == v)))
            .map(|(_, v)| *v)
    }
}

fn text(v: &Option<opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    match v.as_ref().and_then(|v| v.value.as_ref()) {
        Some(AnyValue::StringValue(s)) => s.clone(),
        Some(AnyValue::IntValue(i)) => i.to_string(),
        Some(AnyValue::DoubleValue(d)) => d.to_string(),
        Some(AnyValue::BoolValue(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn attrs(kvs: &[KeyValue]) -> Vec<(String, String)> {
    kvs.iter().map(|kv| (kv.key.clone(), text(&kv.value))).collect()
}

#[derive(Clone)]
struct Sink(Arc<Mutex<State>>);

#[tonic::async_trait]
impl MetricsService for Sink {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for rm in request.into_inner().resource_metrics {
            let resource: Attrs = rm
                .resource
                .map(|r| attrs(&r.attributes).into_iter().collect())
                .unwrap_or_default();
            let id = resource
                .get("service.instance.id")
                .cloned()
                .unwrap_or_else(|| "?".into());
            let worker = state.workers.entry(id.clone()).or_default();
            // One export is one worker's complete picture (or one part of it): replace, so gone series go.
            let fresh = worker
                .at
                .map(|t| t.elapsed() > Duration::from_millis(500))
                .unwrap_or(true);
            if fresh {
                worker.series.clear();
            }
            worker.resource = resource;
            worker.at = Some(Instant::now());
            for sm in rm.scope_metrics {
                for m in sm.metrics {
                    let points = match m.data {
                        Some(Data::Gauge(g)) => g.data_points,
                        Some(Data::Sum(s)) => s.data_points,
                        _ => continue,
                    };
                    for p in points {
                        let v = match p.value {
                            Some(NumberValue::AsDouble(d)) => d,
                            Some(NumberValue::AsInt(i)) => i as f64,
                            None => continue,
                        };
                        let mut a = attrs(&p.attributes);
                        a.sort();
                        worker.series.insert((m.name.clone(), a), v);
                    }
                }
            }
            let failed: Vec<String> = worker
                .series
                .iter()
                .filter(|((n, _), v)| n == "kafka.connect.task.health" && **v == 0.0)
                .map(|((_, a), _)| {
                    let get = |k: &str| {
                        a.iter()
                            .find(|(ak, _)| ak == k)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default()
                    };
                    format!(
                        "{}/{} on {id}",
                        get("kafka.connect.connector"),
                        get("kafka.connect.task.id")
                    )
                })
                .collect();
            if let Some(f) = failed.first() {
                state.last_failure = Some(format!("{f} FAILED, seen {}", clock()));
            }
        }
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl TraceService for Sink {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for rs in request.into_inner().resource_spans {
            for ss in rs.scope_spans {
                for span in ss.spans {
                    state.spans.push(Instant::now());
                    let trace: String = span.trace_id.iter().map(|b| format!("{b:02x}")).collect();
                    state.last_trace = Some(format!("{} {}", &trace[..16.min(trace.len())], span.name));
                }
            }
        }
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl LogsService for Sink {
    async fn export(
        &self,
        request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for rl in request.into_inner().resource_logs {
            for sl in rl.scope_logs {
                for record in sl.log_records {
                    let get = |k: &str| {
                        record
                            .attributes
                            .iter()
                            .find(|kv| kv.key == k)
                            .map(|kv| text(&kv.value))
                            .unwrap_or_default()
                    };
                    let who = format!(
                        "{} {}/{} on {} ({})",
                        record.severity_text,
                        get("kafka.connect.connector"),
                        get("kafka.connect.task.id"),
                        get("kafka.connect.worker.id"),
                        clock()
                    );
                    let body = text(&record.body);
                    let lines = body.lines().take(3).map(|l| l.chars().take(76).collect()).collect();
                    state.last_failure_record = Some((who, lines));
                }
            }
        }
        Ok(tonic::Response::new(ExportLogsServiceResponse::default()))
    }
}

fn clock() -> String {
    let s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("{:02}:{:02}:{:02}", (s / 3600) % 24, (s / 60) % 60, s % 60)
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map(|v| format!("{v:.decimals$}")).unwrap_or_else(|| "-".into())
}

fn render(state: &mut State, port: u16) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "connect-otel live view   OTLP gRPC 127.0.0.1:{port}   {} UTC   Ctrl-C quits",
        clock()
    );
    let _ = writeln!(out, "{}", "=".repeat(79));
    let _ = writeln!(
        out,
        "{:<22}{:<18}{:<8}{:>9}{:>7}{:>6}{:>6}",
        "WORKER", "CLUSTER", "KAFKA", "HEAP MB", "CPU%", "CONN", "TASKS"
    );
    if state.workers.is_empty() {
        let _ = writeln!(out, "  waiting for the first export …");
    }
    for (id, w) in &state.workers {
        let heap: f64 = w
            .series
            .iter()
            .filter(|((n, a), _)| {
                n == "jvm.memory.used" && a.iter().any(|(k, v)| k == "jvm.memory.type" && v == "heap")
            })
            .map(|(_, v)| *v)
            .sum();
        let stale = w.at.map(|t| t.elapsed() > Duration::from_secs(90)).unwrap_or(true);
        let _ = writeln!(
            out,
            "{:<22}{:<18}{:<8}{:>9}{:>7}{:>6}{:>6}",
            format!("{}{}", &id[..id.len().min(20)], if stale { "!" } else { "" }),
            w.resource
                .get("kafka.connect.cluster")
                .map(|c| c.chars().take(17).collect::<String>())
                .unwrap_or_default(),
            w.resource.get("kafka.version").cloned().unwrap_or_default(),
            format!("{:.0}", heap / 1e6),
            num(w.get("jvm.cpu.recent_utilization", &[]).map(|v| v * 100.0), 1),
            num(w.get("kafka.connect.worker.connector_count", &[]), 0),
            num(w.get("kafka.connect.worker.task_count", &[]), 0),
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<29}{:<7}{:<11}{:>8}{:>8}{:>7}{:>9}",
        "CONNECTOR/TASK", "TYPE", "STATE", "IN/s", "OUT/s", "LAG", "COMMIT%"
    );
    let mut rows = 0;
    for w in state.workers.values() {
        for ((name, a), v) in &w.series {
            if name != "kafka.connect.connector.task.status" || *v != 1.0 {
                continue;
            }
            let get = |k: &str| {
                a.iter()
                    .find(|(ak, _)| ak == k)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let (c, t, ty, st) = (
                get("kafka.connect.connector"),
                get("kafka.connect.task.id"),
                get("kafka.connect.connector.type"),
                get("kafka.connect.task.state"),
            );
            let task = [
                ("kafka.connect.connector", c.as_str()),
                ("kafka.connect.task.id", t.as_str()),
            ];
            let (inr, outr) = if ty == "sink" {
                (
                    w.get("kafka.connect.sink.sink_record_read_rate", &task),
                    w.get("kafka.connect.sink.sink_record_send_rate", &task),
                )
            } else {
                (
                    w.get("kafka.connect.source.source_record_poll_rate", &task),
                    w.get("kafka.connect.source.source_record_write_rate", &task),
                )
            };
            let lag = if ty == "sink" {
                w.get("kafka.connect.consumer.records_lag_max", &task)
            } else {
                None
            };
            let commit = w.get(&format!("kafka.connect.{ty}.offset_commit_success_percentage"), &task);
            let label: String = format!("{c}/{t}").chars().take(28).collect();
            let _ = writeln!(
                out,
                "{:<29}{:<7}{:<11}{:>8}{:>8}{:>7}{:>9}",
                label,
                ty,
                st.to_uppercase(),
                num(inr, 1),
                num(outr, 1),
                num(lag, 0),
                num(commit, 1)
            );
            rows += 1;
        }
    }
    if rows == 0 {
        let _ = writeln!(out, "  no tasks yet");
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "LAST FAILURE  {}",
        state.last_failure.clone().unwrap_or_else(|| "none".into())
    );
    if let Some((who, lines)) = &state.last_failure_record {
        let _ = writeln!(out, "FAILURE LOG   {who}");
        for l in lines {
            let _ = writeln!(out, "  {l}");
        }
    }
    state.spans.retain(|t| t.elapsed() < Duration::from_secs(10));
    let _ = writeln!(
        out,
        "SPANS/s  {:.1}   latest trace  {}",
        state.spans.len() as f64 / 10.0,
        state.last_trace.clone().unwrap_or_else(|| "none".into())
    );
    out
}

fn main() {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(4317);
    let state = Arc::new(Mutex::new(State::default()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let sink = Sink(state.clone());
    rt.spawn(async move {
        let addr = format!("127.0.0.1:{port}").parse().expect("address");
        let served = tonic::transport::Server::builder()
            .add_service(MetricsServiceServer::new(sink.clone()).max_decoding_message_size(16 << 20))
            .add_service(TraceServiceServer::new(sink.clone()).max_decoding_message_size(16 << 20))
            .add_service(LogsServiceServer::new(sink).max_decoding_message_size(16 << 20))
            .serve(addr)
            .await;
        if let Err(e) = served {
            eprintln!("otlp_view: cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    });
    let once = std::env::var("OTLP_VIEW_ONCE_AFTER")
        .ok()
        .and_then(|s| s.parse::<u64>().ok());
    let started = Instant::now();
    loop {
        std::thread::sleep(Duration::from_secs(2));
        let screen = render(&mut state.lock().unwrap_or_else(|e| e.into_inner()), port);
        if let Some(after) = once {
            // Non-interactive use (a captured screen): print one frame after `after` seconds and quit.
            if started.elapsed() >= Duration::from_secs(after) {
                print!("{screen}");
                return;
            }
            continue;
        }
        print!("\x1b[H\x1b[2J{screen}");
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }
}
