//! The reference OpenTelemetry Collector (built from its Go modules by scripts/build-otelcol.sh), between the
//! agents and the test's receiver: OTLP gRPC in, OTLP/HTTP out.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::root;

pub struct Collector {
    child: Child,
    pub grpc: String,
    pub log: PathBuf,
}

impl Collector {
    /// Starts the collector forwarding metrics, traces and logs to `http_receiver` (e.g. `http://127.0.0.1:4318`).
    pub fn start(http_receiver: &str, dir: &std::path::Path) -> Collector {
        Collector::start_with(http_receiver, None, dir)
    }

    /// The same, with metrics also sent to a Prometheus OTLP endpoint (e.g. `http://127.0.0.1:9090/api/v1/otlp`).
    pub fn start_with(http_receiver: &str, prometheus: Option<&str>, dir: &std::path::Path) -> Collector {
        let bin = root().join(".cache/otelcol/connect-otel-testcol");
        assert!(
            bin.is_file(),
            "{} is missing: run scripts/build-otelcol.sh",
            bin.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.join("otelcol.yaml");
        std::fs::write(
            &config,
            format!(
                "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:{port}\n\
                 exporters:\n  otlphttp:\n    endpoint: {http_receiver}\n    compression: none\n{prom_exporter}\
                 service:\n  telemetry:\n    metrics:\n      level: none\n  pipelines:\n\
                 \x20   metrics:\n      receivers: [otlp]\n      exporters: [otlphttp{prom_name}]\n\
                 \x20   traces:\n      receivers: [otlp]\n      exporters: [otlphttp]\n\
                 \x20   logs:\n      receivers: [otlp]\n      exporters: [otlphttp]\n",
                prom_exporter = prometheus
                    .map(|p| format!("  otlphttp/prometheus:\n    endpoint: {p}\n    compression: none\n"))
                    .unwrap_or_default(),
                prom_name = if prometheus.is_some() {
                    ", otlphttp/prometheus"
                } else {
                    ""
                },
            ),
        )
        .unwrap();
        let log = dir.join("otelcol.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(&bin)
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .expect("start the collector");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the collector did not listen within 30 s:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Collector {
            child,
            grpc: format!("http://127.0.0.1:{port}"),
            log,
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
