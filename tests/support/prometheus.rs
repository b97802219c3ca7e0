//! A real Prometheus (built by scripts/build-prometheus.sh) with its OTLP receiver on and the project's alert
//! rules loaded, queried through its HTTP API.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::root;

pub const EVALUATION_INTERVAL: Duration = Duration::from_secs(5);

pub struct Prometheus {
    child: Child,
    pub address: String,
    pub log: PathBuf,
}

pub fn rules_file() -> PathBuf {
    root().join("deploy/prometheus/connect-otel-alerts.yml")
}

impl Prometheus {
    pub fn start(dir: &Path) -> Prometheus {
        let bin = std::env::var_os("PROMETHEUS")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join(".cache/prometheus/bin/prometheus"));
        assert!(
            bin.is_file(),
            "{} is missing: run scripts/build-prometheus.sh",
            bin.display()
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::create_dir_all(dir).unwrap();
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  evaluation_interval: {}s\nrule_files:\n  - {}\n",
                EVALUATION_INTERVAL.as_secs(),
                rules_file().display()
            ),
        )
        .unwrap();
        let log = dir.join("prometheus.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(&bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--web.enable-otlp-receiver")
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .expect("start prometheus");
        let p = Prometheus {
            child,
            address: format!("127.0.0.1:{port}"),
            log,
        };
        let start = Instant::now();
        while p.get("/-/ready").0 != 200 {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "prometheus was not ready within 60 s:\n{}",
                std::fs::read_to_string(&p.log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        p
    }

    /// The OTLP base URL an `otlphttp` exporter appends `/v1/metrics` to.
    pub fn otlp_endpoint(&self) -> String {
        format!("http://{}/api/v1/otlp", self.address)
    }

    /// One GET; status and body. HTTP/1.0, so that large answers come whole rather than chunked.
    pub fn get(&self, path_and_query: &str) -> (u16, String) {
        let Ok(mut s) = TcpStream::connect(&self.address) else {
            return (0, String::new());
        };
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let _ = write!(s, "GET {path_and_query} HTTP/1.0\r\nHost: {}\r\n\r\n", self.address);
        let mut response = String::new();
        let _ = s.read_to_string(&mut response);
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// An instant query's result vector (`data.result`).
    pub fn query(&self, expr: &str) -> Vec<serde_json::Value> {
        let (status, body) = self.get(&format!("/api/v1/query?query={}", encode(expr)));
        assert_eq!(status, 200, "query {expr}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// Every alert Prometheus has (pending or firing), from its alerts API.
    pub fn alerts(&self) -> Vec<serde_json::Value> {
        let (_, body) = self.get("/api/v1/alerts");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("alerts: {e}: {body}"));
        v["data"]["alerts"].as_array().cloned().unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encoding for a query parameter.
fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
