//! Who this worker is: its id, its cluster (`group.id`) and its Kafka version, found without configuration.
//!
//! Why from the command line: Connect's CLI takes the worker properties file as its first argument, and the
//! JVM keeps the command line in `sun.java.command`. Reading that file (never writing it) gives `group.id`
//! and the REST listener, which is also Connect's worker id (`advertised host:port`). MBeans fill in what the
//! file cannot: the Kafka version (`app-info`) and, failing all else, the id in the coordinator's client-id.

use std::collections::BTreeMap;

use crate::collect::snapshot::{Snapshot, Value};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerIdentity {
    pub worker_id: Option<String>,
    pub cluster: Option<String>,
    pub kafka_version: Option<String>,
    pub config_file: Option<String>,
    /// The REST listener from the properties file (failure traces); `None` without one.
    pub rest: Option<crate::worker::RestTarget>,
}

/// Java `.properties` format: `key=value`, `key: value`, `key value`, comments, continuation lines.
pub fn parse_properties(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = raw.trim_start();
        if logical.is_empty() && (line.is_empty() || line.starts_with('#') || line.starts_with('!')) {
            continue;
        }
        let trailing_backslashes = line.chars().rev().take_while(|c| *c == '\\').count();
        if trailing_backslashes % 2 == 1 {
            logical.push_str(&line[..line.len() - 1]);
            continue;
        }
        logical.push_str(line);
        let entry = std::mem::take(&mut logical);
        let split = entry.find(['=', ':', ' ', '\t']).unwrap_or(entry.len());
        let key = entry[..split].trim().to_string();
        let mut value = entry[split..].trim_start();
        if let Some(v) = value.strip_prefix(['=', ':']) {
            value = v.trim_start();
        }
        if !key.is_empty() {
            out.insert(key, value.trim_end().to_string());
        }
    }
    out
}

/// Connect registers its MBeans through `JmxReporter`. Kafka 4.0 made it the default of `metric.reporters`
/// (so a list without it removes every Connect MBean); 3.x adds it unless `auto.include.jmx.reporter=false`.
pub fn jmx_reporter_problem(props: &BTreeMap<String, String>) -> Option<String> {
    const JMX: &str = "org.apache.kafka.common.metrics.JmxReporter";
    if props
        .get("auto.include.jmx.reporter")
        .map(|v| v.trim() == "false")
        .unwrap_or(false)
        && !props.get("metric.reporters").map(|r| r.contains(JMX)).unwrap_or(false)
    {
        return Some(format!(
            "the worker sets auto.include.jmx.reporter=false without listing {JMX} in metric.reporters: Connect \
             registers no MBeans and the agent sees no Connect metrics; add it to metric.reporters"
        ));
    }
    match props.get("metric.reporters") {
        Some(r) if !r.contains(JMX) => Some(format!(
            "the worker's metric.reporters ({}) does not list {JMX}: on Kafka 4.0+ Connect then registers no \
             MBeans and the agent sees no Connect metrics; add it to the list",
            if r.trim().is_empty() { "empty" } else { r.trim() }
        )),
        _ => None,
    }
}

/// The properties file named on a Connect command line (`sun.java.command`).
pub fn config_file_from_command(command: &str) -> Option<String> {
    let mut words = command.split_whitespace();
    let main = words.next()?;
    if !main.starts_with("org.apache.kafka.connect.cli.") && !main.contains("Connect") {
        return None;
    }
    words.find(|w| !w.starts_with('-')).map(str::to_string)
}

/// Connect's worker id: `rest.advertised.host.name:rest.advertised.port`, defaulting to the first listener.
pub fn worker_id_from(props: &BTreeMap<String, String>, host_name: &str) -> String {
    let listener = props
        .get("listeners")
        .and_then(|l| l.split(',').next().map(str::trim).map(str::to_string))
        .unwrap_or_else(|| "http://:8083".to_string());
    let authority = listener
        .split_once("://")
        .map(|(_, a)| a)
        .unwrap_or(&listener)
        .trim_end_matches('/');
    let (listener_host, listener_port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.to_string()),
        None => (authority.to_string(), "8083".to_string()),
    };
    let host = props
        .get("rest.advertised.host.name")
        .filter(|h| !h.is_empty())
        .cloned()
        .unwrap_or_else(|| {
            if listener_host.is_empty() {
                host_name.to_string()
            } else {
                listener_host
            }
        });
    let port = props
        .get("rest.advertised.port")
        .filter(|p| !p.is_empty())
        .cloned()
        .unwrap_or(listener_port);
    format!("{host}:{port}")
}

pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".to_string())
}

impl WorkerIdentity {
    /// From the worker's properties file: explicit path first, else the one on the command line.
    pub fn from_config(explicit: Option<&str>, java_command: Option<&str>) -> WorkerIdentity {
        let file = explicit
            .map(str::to_string)
            .or_else(|| java_command.and_then(config_file_from_command));
        let Some(file) = file else {
            return WorkerIdentity::default();
        };
        let Ok(text) = std::fs::read_to_string(&file) else {
            crate::log_warn!("cannot read the worker configuration {file}; worker id and cluster come from MBeans");
            return WorkerIdentity::default();
        };
        let props = parse_properties(&text);
        if let Some(problem) = jmx_reporter_problem(&props) {
            crate::log_warn!("{problem} (in {file})");
        }
        WorkerIdentity {
            worker_id: Some(worker_id_from(&props, &host_name())),
            cluster: props.get("group.id").cloned(),
            kafka_version: None,
            rest: Some(crate::worker::rest_target(&props)),
            config_file: Some(file),
        }
    }

    /// Fills what is still unknown from a snapshot.
    pub fn complete_from(&mut self, snapshot: &Snapshot) {
        for s in &snapshot.mbeans {
            let t = s.name.get("type");
            if s.name.domain == "kafka.connect" && t == Some("app-info") && self.kafka_version.is_none() {
                if let Some(Value::Text(v)) = s.value("version") {
                    self.kafka_version = Some(v.clone());
                }
            }
            if s.name.domain == "kafka.connect" && t == Some("connect-coordinator-metrics") && self.worker_id.is_none()
            {
                if let Some(id) = s.name.get("client-id").and_then(|c| c.strip_prefix("connect-")) {
                    self.worker_id = Some(id.to_string());
                }
            }
        }
    }
}

/// The worker's REST API, as reached from inside the worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestTarget {
    /// `http(s)://host:port` without a trailing slash.
    pub base: String,
    /// PEM file of the CA that signed the listener's certificate (HTTPS).
    pub ca_pem: Option<String>,
    /// Why HTTPS cannot be verified with the worker's own settings (e.g. a JKS truststore), if so.
    pub tls_problem: Option<String>,
}

/// The REST listener from the worker's properties: the first of `listeners` (default `http://:8083`), on
/// loopback when it binds every interface; Kafka 3.x's `rest.host.name`/`rest.port` when `listeners` is
/// absent.
pub fn rest_target(props: &std::collections::BTreeMap<String, String>) -> RestTarget {
    let listener = props
        .get("listeners")
        .and_then(|l| l.split(',').map(str::trim).find(|l| !l.is_empty()).map(str::to_string))
        .unwrap_or_else(|| {
            let host = props.get("rest.host.name").cloned().unwrap_or_default();
            let port = props.get("rest.port").cloned().unwrap_or_else(|| "8083".into());
            format!("http://{host}:{port}")
        });
    let (scheme, authority) = listener
        .split_once("://")
        .map(|(s, a)| (s.to_ascii_lowercase(), a.trim_end_matches('/').to_string()))
        .unwrap_or(("http".into(), listener.clone()));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), p.to_string()),
        None => (authority.clone(), "8083".into()),
    };
    let host = match host.as_str() {
        "" | "0.0.0.0" | "[::]" | "::" => "127.0.0.1".to_string(),
        h => h.to_string(),
    };
    let mut target = RestTarget {
        base: format!("{scheme}://{host}:{port}"),
        ca_pem: None,
        tls_problem: None,
    };
    if scheme == "https" {
        // Connect takes `listeners.https.ssl.*` over the worker's `ssl.*`.
        let ssl = |k: &str| {
            props
                .get(&format!("listeners.https.ssl.{k}"))
                .or_else(|| props.get(&format!("ssl.{k}")))
                .cloned()
        };
        let kind = ssl("truststore.type").unwrap_or_else(|| "JKS".into());
        match (ssl("truststore.location"), kind.to_ascii_uppercase().as_str()) {
            (Some(location), "PEM") => target.ca_pem = Some(location),
            (Some(_), other) => {
                target.tls_problem = Some(format!(
                    "the worker's truststore is {other}, which the agent cannot read: set otel.connect.rest.ca to \
                     a PEM file of the CA"
                ))
            }
            (None, _) => {} // The system's roots may do.
        }
    }
    target
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_format() {
        let p = parse_properties(
            "# comment\n! also\nbootstrap.servers=localhost:9092\ngroup.id : connect-cluster\nkey value with space\n\
             listeners=http://:8083,\\\n  https://:8443\n  rest.port=1\n",
        );
        assert_eq!(p["bootstrap.servers"], "localhost:9092");
        assert_eq!(p["group.id"], "connect-cluster");
        assert_eq!(p["key"], "value with space");
        assert_eq!(p["listeners"], "http://:8083,https://:8443");
        assert_eq!(p["rest.port"], "1");
    }

    #[test]
    fn command_line_names_the_worker_config() {
        assert_eq!(
            config_file_from_command("org.apache.kafka.connect.cli.ConnectDistributed /etc/kafka/connect.properties"),
            Some("/etc/kafka/connect.properties".into())
        );
        assert_eq!(config_file_from_command("com.example.Main x.properties"), None);
    }

    #[test]
    fn a_worker_without_jmx_reporter_is_named() {
        let p = |s: &str| parse_properties(s);
        assert_eq!(jmx_reporter_problem(&p("group.id=g")), None);
        assert_eq!(
            jmx_reporter_problem(&p("metric.reporters=org.apache.kafka.common.metrics.JmxReporter,x.Y")),
            None
        );
        let w = jmx_reporter_problem(&p("metric.reporters=io.strimzi.Reporter")).unwrap();
        assert!(w.contains("io.strimzi.Reporter") && w.contains("Kafka 4.0+"), "{w}");
        assert!(jmx_reporter_problem(&p("metric.reporters="))
            .unwrap()
            .contains("(empty)"));
        assert!(jmx_reporter_problem(&p("auto.include.jmx.reporter=false"))
            .unwrap()
            .contains("auto.include"));
    }

    #[test]
    fn worker_id_like_connect() {
        let p = |s: &str| parse_properties(s);
        assert_eq!(worker_id_from(&p(""), "h1"), "h1:8083");
        assert_eq!(
            worker_id_from(&p("listeners=http://127.0.0.1:18083"), "h1"),
            "127.0.0.1:18083"
        );
        assert_eq!(
            worker_id_from(&p("listeners=http://:9000\nrest.advertised.host.name=w1"), "h1"),
            "w1:9000"
        );
        assert_eq!(
            worker_id_from(&p("listeners=http://a:1\nrest.advertised.port=2"), "h"),
            "a:2"
        );
    }

    #[test]
    fn the_rest_listener_comes_from_the_worker_properties() {
        let props = |kv: &[(&str, &str)]| kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        assert_eq!(rest_target(&props(&[])).base, "http://127.0.0.1:8083");
        assert_eq!(
            rest_target(&props(&[("listeners", "HTTP://0.0.0.0:18083")])).base,
            "http://127.0.0.1:18083"
        );
        assert_eq!(
            rest_target(&props(&[("listeners", "http://connect-1:8083,https://:8443")])).base,
            "http://connect-1:8083"
        );
        assert_eq!(
            rest_target(&props(&[("rest.port", "9000")])).base,
            "http://127.0.0.1:9000"
        );
        let https = rest_target(&props(&[
            ("listeners", "https://:8443"),
            ("listeners.https.ssl.truststore.type", "PEM"),
            ("listeners.https.ssl.truststore.location", "/etc/ca.pem"),
        ]));
        assert_eq!(
            (https.base.as_str(), https.ca_pem.as_deref()),
            ("https://127.0.0.1:8443", Some("/etc/ca.pem"))
        );
        let jks = rest_target(&props(&[
            ("listeners", "https://:8443"),
            ("ssl.truststore.location", "/etc/t.jks"),
        ]));
        assert!(jks.tls_problem.unwrap().contains("otel.connect.rest.ca"));
    }
}
