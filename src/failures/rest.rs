//! The worker's REST API: the status JSON that carries the traces, and the client that asks for it.

use std::collections::HashMap;
use std::time::Duration;

use super::watch::Subject;
use crate::config::FailuresConfig;
use crate::worker::RestTarget;

const REST_TIMEOUT: Duration = Duration::from_secs(5);

/// What the REST API says about one connector or task.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RestStatus {
    pub trace: Option<String>,
    pub worker_id: Option<String>,
    pub connector_class: Option<String>,
}

/// Parses `/connectors?expand=status&expand=info`.
pub fn parse_statuses(json: &str) -> Result<HashMap<Subject, RestStatus>, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let map = v.as_object().ok_or("not a JSON object of connectors")?;
    let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let mut out = HashMap::new();
    for (name, entry) in map {
        let class = entry
            .get("info")
            .and_then(|i| i.get("config"))
            .and_then(|c| text(c, "connector.class"));
        let Some(status) = entry.get("status") else { continue };
        if let Some(c) = status.get("connector") {
            out.insert(
                Subject {
                    connector: name.clone(),
                    task: None,
                },
                RestStatus {
                    trace: text(c, "trace"),
                    worker_id: text(c, "worker_id"),
                    connector_class: class.clone(),
                },
            );
        }
        for t in status.get("tasks").and_then(|t| t.as_array()).into_iter().flatten() {
            let Some(id) = t.get("id").and_then(|i| i.as_i64()) else {
                continue;
            };
            out.insert(
                Subject {
                    connector: name.clone(),
                    task: Some(id.to_string()),
                },
                RestStatus {
                    trace: text(t, "trace"),
                    worker_id: text(t, "worker_id"),
                    connector_class: class.clone(),
                },
            );
        }
    }
    Ok(out)
}

/// A small client for the worker's REST API (basic authentication, HTTPS with the worker's CA).
pub(super) struct RestClient {
    pub(super) client: reqwest::blocking::Client,
    pub(super) url: String,
    pub(super) auth: Option<(String, String)>,
    pub(super) tls_problem: Option<String>,
}

impl RestClient {
    pub(super) fn new(config: &FailuresConfig, target: RestTarget) -> Result<RestClient, String> {
        let base = config.rest_url.clone().unwrap_or(target.base);
        let ca = config.rest_ca.clone().or(target.ca_pem);
        let tls_problem = if config.rest_ca.is_some() {
            None
        } else {
            target.tls_problem
        };
        let mut b = reqwest::blocking::Client::builder().timeout(REST_TIMEOUT);
        if let Some(ca) = &ca {
            let pem = std::fs::read(ca).map_err(|e| format!("cannot read the REST CA certificate {ca}: {e}"))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|e| format!("the REST CA certificate {ca} is not valid PEM: {e}"))?;
            b = b.add_root_certificate(cert);
        }
        // The blocking client starts its own thread and must not be built inside a tokio context.
        let client = std::thread::spawn(move || b.build())
            .join()
            .map_err(|_| "the REST client could not be built".to_string())?
            .map_err(|e| format!("the REST client could not be built: {e}"))?;
        let auth = config
            .rest_username
            .clone()
            .map(|u| (u, config.rest_password.clone().unwrap_or_default()));
        Ok(RestClient {
            client,
            url: format!("{}/connectors?expand=status&expand=info", base.trim_end_matches('/')),
            auth,
            tls_problem,
        })
    }

    pub(super) fn statuses(&self) -> Result<HashMap<Subject, RestStatus>, String> {
        let mut req = self.client.get(&self.url).header("Accept", "application/json");
        if let Some((u, p)) = &self.auth {
            req = req.basic_auth(u, Some(p));
        }
        let explain = |e: String| match &self.tls_problem {
            Some(p) => format!("{e} ({p})"),
            None => e,
        };
        let response = req.send().map_err(|e| explain(format!("GET {}: {e}", self.url)))?;
        let status = response.status();
        if status.as_u16() == 401 || status.as_u16() == 403 {
            return Err(format!(
                "GET {} answered {status}: set otel.connect.rest.username and otel.connect.rest.password",
                self.url
            ));
        }
        if !status.is_success() {
            return Err(format!("GET {} answered {status}", self.url));
        }
        let body = response.text().map_err(|e| format!("GET {}: {e}", self.url))?;
        parse_statuses(&body)
    }
}
