//! A real Prometheus (built by scripts/build-prometheus.sh) with its OTLP receiver on and the project's alert
//! rules loaded, queried through its HTTP API.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::{http_client, root};

pub const EVALUATION_INTERVAL: Duration = Duration::from_secs(5);

pub struct Prometheus {
    child: Child,
    pub address: String,
    pub log: PathBuf,
    client: reqwest::blocking::Client,
}

/// The envelope of every answer of Prometheus's HTTP API.
#[derive(Deserialize)]
struct Answer<T> {
    status: String,
    data: T,
}

#[derive(Deserialize)]
struct QueryData {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

/// One series of an instant query's result vector.
#[derive(Clone, Debug, Deserialize)]
pub struct Sample {
    pub metric: BTreeMap<String, String>,
    /// Evaluation time (Unix seconds) and value, which Prometheus writes as a string.
    pub value: (f64, String),
}

#[derive(Deserialize)]
struct AlertsData {
    alerts: Vec<Alert>,
}

/// An alert from `/api/v1/alerts`, pending or firing.
#[derive(Clone, Debug, Deserialize)]
pub struct Alert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// `pending` or `firing`.
    pub state: String,
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
            client: http_client(Duration::from_secs(30)),
        };
        let start = Instant::now();
        while !p.ready() {
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

    /// Whether `/-/ready` answers 200 (no answer while it starts is `false`).
    fn ready(&self) -> bool {
        let url = format!("http://{}/-/ready", self.address);
        self.client
            .get(url)
            .send()
            .is_ok_and(|r| r.status() == reqwest::StatusCode::OK)
    }

    /// One API call (`path` with `params`): its `data`, once Prometheus said 200 and `success`.
    fn api<T: DeserializeOwned>(&self, path: &str, params: &[(&str, &str)]) -> T {
        let url = reqwest::Url::parse_with_params(&format!("http://{}{path}", self.address), params).unwrap();
        let what = format!("GET {path} {params:?}");
        let response = self.client.get(url).send().unwrap_or_else(|e| panic!("{what}: {e}"));
        let status = response.status();
        let body = response.text().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(status, reqwest::StatusCode::OK, "{what}: {body}");
        let answer: Answer<T> = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"));
        assert_eq!(answer.status, "success", "{what}: {body}");
        answer.data
    }

    /// An instant query's result vector.
    pub fn query(&self, expr: &str) -> Vec<Sample> {
        let data: QueryData = self.api("/api/v1/query", &[("query", expr)]);
        assert_eq!(data.result_type, "vector", "query {expr}: {:?}", data.result);
        serde_json::from_value(data.result.clone()).unwrap_or_else(|e| panic!("query {expr}: {e}: {:?}", data.result))
    }

    /// Every alert Prometheus has (pending or firing), from its alerts API.
    pub fn alerts(&self) -> Vec<Alert> {
        self.api::<AlertsData>("/api/v1/alerts", &[]).alerts
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
