//! The self-check behind `java -jar connect-otel-agent.jar check` and the C ABI's `connect_otel_check`: will
//! the agent work here, with this configuration, against this collector and this worker?
//!
//! Why in the library and not in Java: the answers must be the agent's own. The configuration is resolved by
//! [`config::resolve`] from the same sources, the collector is asked through the same [`MetricSender`] the
//! export thread uses (an empty `ExportMetricsServiceRequest`, so a collector stores nothing), and the
//! worker's properties are read with [`worker::parse_properties`] and judged by
//! [`worker::jmx_reporter_problem`]. Every line passes through [`Secrets::redact`] last, so no header value,
//! password or URL userinfo reaches the screen even inside an error message.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::config::{self, AgentConfig, ExporterConfig, Protocol, Sources};
use crate::diag::redact;
use crate::transport::MetricSender;
use crate::worker;

/// How a line reads: a check passed or failed, a check that could not be made, or a detail of the one above.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    Pass,
    Fail,
    Skip,
    Detail,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub mark: Mark,
    pub text: String,
}

impl Line {
    fn new(mark: Mark, text: impl Into<String>) -> Line {
        Line {
            mark,
            text: text.into(),
        }
    }

    /// The line as printed: its mark, then the text. Only failures start with `✗`, which is what callers
    /// count.
    pub fn render(&self) -> String {
        let mark = match self.mark {
            Mark::Pass => "✓ ",
            Mark::Fail => "✗ ",
            Mark::Skip => "- ",
            Mark::Detail => "    ",
        };
        format!("{mark}{}", self.text)
    }
}

/// The most the collector check waits, whatever the configured timeout: a check must end.
pub const COLLECTOR_LIMIT: Duration = Duration::from_secs(60);
/// What the collector check allows beyond the configured timeout (connection set-up, thread start).
const COLLECTOR_SLACK: Duration = Duration::from_secs(2);
/// Shorter secrets are masked where they are shown but not searched for in other text, where such a short
/// string would blot out ordinary words.
const MIN_REDACTED_LEN: usize = 4;
const MASK: &str = "***";
/// Longest value a detail line shows whole (as the agent's problem lines).
const SHOWN_CHARS: usize = 120;

/// Runs every check the library can make: configuration, collector, worker properties. `worker_config`
/// (`--worker-config`) wins over `otel.connect.worker.config`.
pub fn run(sources: &Sources, worker_config: Option<&str>) -> Vec<Line> {
    let secrets = Secrets::from_sources(sources);
    let (config, problems) = config::resolve(sources);
    let mut lines = configuration_lines(sources, &config, &problems);
    lines.push(collector_line(&config));
    let worker_file = worker_config
        .map(str::to_string)
        .or_else(|| config.worker_config.clone())
        .filter(|f| !f.is_empty());
    lines.extend(worker_lines(worker_file.as_deref(), &config));
    for line in &mut lines {
        line.text = secrets.redact(&line.text);
    }
    lines
}

/// How many of `lines` are failures.
pub fn failures(lines: &[Line]) -> usize {
    lines.iter().filter(|l| l.mark == Mark::Fail).count()
}

// ---------------------------------------------------------------------------------------------------------
// Configuration

fn configuration_lines(sources: &Sources, config: &AgentConfig, problems: &[config::Problem]) -> Vec<Line> {
    let given = given_settings(sources);
    let mut lines: Vec<Line> = problems
        .iter()
        .map(|p| Line::new(Mark::Fail, format!("configuration: {}", p.0)))
        .collect();
    if config.sdk_disabled {
        lines.push(Line::new(
            Mark::Fail,
            "configuration: otel.sdk.disabled=true: the agent would do nothing",
        ));
    } else if config.metrics.is_none() && config.traces.is_none() {
        lines.push(Line::new(
            Mark::Fail,
            "configuration: metrics and traces are both off: the agent would do nothing",
        ));
    }
    if lines.is_empty() {
        lines.push(Line::new(
            Mark::Pass,
            format!("configuration: no problems ({} settings given)", given.len()),
        ));
    }
    for s in &given {
        let over = if s.overrides.is_empty() {
            String::new()
        } else {
            format!(", over {}", s.overrides.join(" and "))
        };
        lines.push(Line::new(
            Mark::Detail,
            format!("{} = {} ({}{over})", s.key, masked(&s.key, &s.value), s.origin),
        ));
    }
    lines.push(Line::new(
        Mark::Detail,
        format!("resolved: {}", mask_userinfo(&config::summary(config))),
    ));
    lines
}

/// One setting as the agent sees it: the winning value, where it came from, which other sources it beats.
#[derive(Debug, PartialEq, Eq)]
struct Given {
    key: String,
    value: String,
    origin: &'static str,
    overrides: Vec<&'static str>,
}

/// Every setting given in any source, under its canonical key (environment names mapped back), with the value
/// the agent uses.
fn given_settings(sources: &Sources) -> Vec<Given> {
    let mut keys: Vec<String> = sources
        .agent_args
        .keys()
        .chain(sources.system_properties.keys())
        .cloned()
        .collect();
    keys.extend(
        sources
            .environment
            .keys()
            .filter(|k| k.starts_with("OTEL_"))
            .map(|k| k.to_ascii_lowercase().replace('_', ".")),
    );
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let (value, origin) = sources.get(&key)?;
            let mut overrides = Vec::new();
            if origin == "agent argument" && sources.system_properties.contains_key(&key) {
                overrides.push("system property");
            }
            if origin != "environment" && sources.environment.contains_key(&config::env_name(&key)) {
                overrides.push("environment");
            }
            Some(Given {
                value: value.to_string(),
                key,
                origin,
                overrides,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------------------
// Secrets

fn is_header_key(key: &str) -> bool {
    key.starts_with("otel.exporter.otlp.") && key.ends_with(".headers")
}

/// Settings whose value is a file path, although their key looks secret to [`redact::looks_secret`]: the
/// check shows which files TLS uses.
const PATH_SETTINGS: [&str; 4] = [
    "otel.exporter.otlp.client.key",
    "otel.exporter.otlp.metrics.client.key",
    "otel.exporter.otlp.traces.client.key",
    "otel.exporter.otlp.logs.client.key",
];

/// The agent's rule for a key whose value may be a secret ([`redact::looks_secret`], typos included), less
/// the key file paths.
fn looks_secret(key: &str) -> bool {
    !PATH_SETTINGS.contains(&key) && redact::looks_secret(key)
}

/// The value of `key` as the check shows it: header values, secret-looking keys' values and URL userinfo
/// replaced by `***`.
pub fn masked(key: &str, value: &str) -> String {
    if value.is_empty() {
        return String::new();
    }
    if is_header_key(key) {
        return match config::parse_key_values(value) {
            Some(pairs) => pairs
                .iter()
                .map(|(k, _)| format!("{k}={MASK}"))
                .collect::<Vec<_>>()
                .join(","),
            None => format!("{MASK} (not key=value pairs)"),
        };
    }
    if looks_secret(key) {
        return MASK.to_string();
    }
    let count = value.chars().count();
    if count > SHOWN_CHARS {
        let head: String = value.chars().take(SHOWN_CHARS).collect();
        return format!("{}… ({count} characters)", mask_userinfo(&head));
    }
    if key == "otel.resource.attributes" {
        if let Some(pairs) = config::parse_key_values(value) {
            return pairs
                .iter()
                .map(|(k, v)| {
                    let v = if looks_secret(k) {
                        MASK.to_string()
                    } else {
                        mask_userinfo(v)
                    };
                    format!("{k}={v}")
                })
                .collect::<Vec<_>>()
                .join(",");
        }
    }
    mask_userinfo(value)
}

/// `scheme://user:password@host…` → `scheme://***@host…`, for every URL in `text` (the rule of every log line).
pub fn mask_userinfo(text: &str) -> String {
    redact::without_userinfo(text).into_owned()
}

/// The userinfo of every URL in `text`.
fn userinfo_parts(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        rest = &rest[at + 3..];
        let authority_end = rest.find(['/', '?', '#', ' ', ',', ';', ')']).unwrap_or(rest.len());
        if let Some(userinfo_end) = rest[..authority_end].rfind('@') {
            let userinfo = &rest[..userinfo_end];
            parts.push(userinfo.to_string());
            parts.extend(userinfo.split(':').map(str::to_string));
        }
    }
    parts
}

/// Every secret given in any source (also the ones another source overrides), to be cut out of any text
/// the check prints: a transport error or a configuration problem may quote a value.
#[derive(Debug, Default)]
pub struct Secrets(Vec<String>);

impl Secrets {
    pub fn from_sources(sources: &Sources) -> Secrets {
        let mut found = Vec::new();
        let given = sources
            .agent_args
            .iter()
            .chain(sources.system_properties.iter())
            .map(|(k, v)| (k.clone(), v))
            .chain(
                sources
                    .environment
                    .iter()
                    .map(|(k, v)| (k.to_ascii_lowercase().replace('_', "."), v)),
            );
        for (key, value) in given {
            if is_header_key(&key) {
                match config::parse_key_values(value) {
                    Some(pairs) => found.extend(pairs.into_iter().map(|(_, v)| v)),
                    None => found.push(value.clone()),
                }
                // Also as given, percent-encoded.
                found.extend(
                    value
                        .split(',')
                        .filter_map(|p| p.split_once('='))
                        .map(|(_, v)| v.trim().to_string()),
                );
            } else if looks_secret(&key) {
                found.push(value.trim().to_string());
            } else if key == "otel.resource.attributes" {
                if let Some(pairs) = config::parse_key_values(value) {
                    found.extend(pairs.into_iter().filter(|(k, _)| looks_secret(k)).map(|(_, v)| v));
                }
            }
            found.extend(userinfo_parts(value));
        }
        found.retain(|s| s.chars().count() >= MIN_REDACTED_LEN);
        // Longest first, so that a secret containing another is cut whole.
        found.sort_by_key(|s| std::cmp::Reverse(s.len()));
        found.dedup();
        Secrets(found)
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = mask_userinfo(text);
        for s in &self.0 {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), MASK);
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------------------
// Collector

fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Grpc => "OTLP/gRPC",
        Protocol::HttpProtobuf => "OTLP/HTTP",
    }
}

fn collector_line(config: &AgentConfig) -> Line {
    match &config.metrics_exporter {
        Some(exporter) => probe_collector(exporter, COLLECTOR_LIMIT),
        None => Line::new(
            Mark::Skip,
            "collector: not asked, the metrics exporter is off (otel.metrics.exporter=none, or a problem above)",
        ),
    }
}

/// Sends one empty export through the agent's own sender, on a thread of its own, and waits at most the
/// configured timeout plus a little, never more than `limit`: a collector that accepts and never answers
/// must not hang the check.
fn probe_collector(exporter: &ExporterConfig, limit: Duration) -> Line {
    let what = format!(
        "collector {} ({}{})",
        exporter.endpoint,
        protocol_name(exporter.protocol),
        tls_note(exporter)
    );
    let timeout = exporter.timeout;
    let wait = (timeout + COLLECTOR_SLACK).min(limit);
    let no_answer = |detail: &str| {
        let bound = if timeout + COLLECTOR_SLACK > limit {
            format!("within the check's limit of {} s", limit.as_millis() as f64 / 1000.0)
        } else {
            format!(
                "within the timeout of {} ms (otel.exporter.otlp.timeout)",
                timeout.as_millis()
            )
        };
        Line::new(Mark::Fail, format!("{what}: no answer {bound}{detail}"))
    };
    // The HTTP client's rustls has no default provider (JNI_OnLoad installs it too; C callers have no such
    // hook).
    crate::transport::install_tls_provider();
    let (tx, rx) = mpsc::channel();
    let config = exporter.clone();
    let started = Instant::now();
    let spawned = std::thread::Builder::new()
        .name("connect-otel-check".into())
        .spawn(move || {
            // An empty ExportMetricsServiceRequest is zero bytes: a collector answers it and stores nothing.
            let result = MetricSender::new(&config).and_then(|mut sender| sender.send(Vec::new()));
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Line::new(Mark::Fail, format!("{what}: cannot start the check's thread: {e}"));
    }
    match rx.recv_timeout(wait) {
        Ok(Ok(_)) => Line::new(
            Mark::Pass,
            format!(
                "{what} accepted an empty export in {} ms (timeout {} ms)",
                started.elapsed().as_millis(),
                timeout.as_millis()
            ),
        ),
        Ok(Err(e)) if started.elapsed() >= timeout => no_answer(&format!(": {e}")),
        Ok(Err(e)) => Line::new(Mark::Fail, format!("{what}: {e}")),
        Err(mpsc::RecvTimeoutError::Timeout) => no_answer(""),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Line::new(Mark::Fail, format!("{what}: the check stopped on an internal error"))
        }
    }
}

fn tls_note(e: &ExporterConfig) -> &'static str {
    match (e.endpoint.starts_with("https://"), e.client_certificate.is_some()) {
        (false, _) => "",
        (true, false) => ", TLS",
        (true, true) => ", mTLS",
    }
}

// ---------------------------------------------------------------------------------------------------------
// Worker

const JMX_REPORTER: &str = "org.apache.kafka.common.metrics.JmxReporter";

fn worker_lines(file: Option<&str>, config: &AgentConfig) -> Vec<Line> {
    let Some(file) = file else {
        return vec![Line::new(
            Mark::Skip,
            "worker configuration: none given (--worker-config FILE or otel.connect.worker.config; in a worker \
             the agent finds it on the command line), so JmxReporter and group.id are not checked",
        )];
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            return vec![Line::new(
                Mark::Fail,
                format!("worker configuration {file} cannot be read: {e}"),
            )]
        }
    };
    let props = worker::parse_properties(&text);
    let mut lines = vec![Line::new(
        Mark::Pass,
        format!("worker configuration {file} is readable ({} settings)", props.len()),
    )];
    lines.push(worker_kind(&props));
    lines.push(match worker::jmx_reporter_problem(&props) {
        Some(problem) => Line::new(Mark::Fail, problem),
        None => Line::new(
            Mark::Pass,
            match props.get("metric.reporters") {
                Some(_) => format!("JmxReporter is in effect: metric.reporters lists {JMX_REPORTER}"),
                None => "JmxReporter is in effect: metric.reporters is not set (Kafka 4.x defaults to it, 3.x \
                         adds it)"
                    .to_string(),
            },
        ),
    });
    let rest = crate::worker::rest_target(&props);
    lines.push(Line::new(
        Mark::Detail,
        format!(
            "worker id {} (service.instance.id); its REST API, where failure traces are read: {}",
            worker::worker_id_from(&props, &worker::host_name()),
            config
                .failures
                .as_ref()
                .and_then(|f| f.rest_url.clone())
                .unwrap_or_else(|| rest.base.clone())
        ),
    ));
    if let (Some(problem), Some(failures)) = (&rest.tls_problem, &config.failures) {
        if failures.rest_ca.is_none() {
            lines.push(Line::new(Mark::Fail, format!("failure traces: {problem}")));
        }
    }
    lines
}

/// Distributed (`group.id`), standalone (`offset.storage.file.filename`, which standalone requires), or
/// neither, which is most likely not the worker's file at all.
fn worker_kind(props: &BTreeMap<String, String>) -> Line {
    match (props.get("group.id"), props.get("offset.storage.file.filename")) {
        (Some(group), _) if !group.trim().is_empty() => Line::new(
            Mark::Pass,
            format!(
                "group.id={}: a distributed worker; metrics carry kafka.connect.cluster={0}",
                group.trim()
            ),
        ),
        (_, Some(_)) => Line::new(
            Mark::Pass,
            "no group.id, offset.storage.file.filename set: a standalone worker; metrics carry no \
             kafka.connect.cluster",
        ),
        _ => Line::new(
            Mark::Fail,
            "neither group.id (distributed) nor offset.storage.file.filename (standalone) is set: this does not \
             look like a Connect worker's properties file",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(args: &str, props: &[(&str, &str)], env: &[(&str, &str)]) -> Sources {
        config::sources_from(args, props, env)
    }

    fn rendered(lines: &[Line]) -> String {
        lines.iter().map(Line::render).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn header_values_are_masked_and_names_kept() {
        assert_eq!(
            masked("otel.exporter.otlp.headers", "x-api-key=s%20ecret,tenant=t1"),
            "x-api-key=***,tenant=***"
        );
        assert_eq!(
            masked("otel.exporter.otlp.metrics.headers", "garbage"),
            "*** (not key=value pairs)"
        );
    }

    #[test]
    fn secret_looking_keys_are_masked_and_paths_are_not() {
        assert_eq!(masked("otel.connect.rest.password", "hunter22"), "***");
        assert_eq!(masked("otel.connect.rest.pasword", "hunter22"), "***");
        assert_eq!(
            masked("otel.service.name", &"x".repeat(500)),
            format!("{}… (500 characters)", "x".repeat(120))
        );
        assert_eq!(masked("otel.something.api_key", "abcd"), "***");
        assert_eq!(masked("otel.something.accessToken", "abcd"), "***");
        assert_eq!(masked("otel.exporter.otlp.client.key", "/etc/k.pem"), "/etc/k.pem");
        assert_eq!(masked("otel.connect.rest.username", "admin"), "admin");
        assert_eq!(
            masked("otel.resource.attributes", "env=prod,auth.token=xyz1"),
            "env=prod,auth.token=***"
        );
    }

    #[test]
    fn url_userinfo_is_masked_everywhere_in_a_text() {
        assert_eq!(
            mask_userinfo("https://u:p4ss@collector:4318/v1 and http://t0ken@x:1"),
            "https://***@collector:4318/v1 and http://***@x:1"
        );
        assert_eq!(mask_userinfo("http://host:4317/a@b"), "http://host:4317/a@b");
        assert_eq!(mask_userinfo("no url here"), "no url here");
    }

    #[test]
    fn secrets_are_cut_out_of_any_text_even_overridden_ones() {
        let s = sources(
            "otel.exporter.otlp.headers=authorization=Bearer%20abc123,otel.connect.rest.password=pw-from-arg",
            &[("otel.connect.rest.password", "pw-from-prop")],
            &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:envpass@c:4317")],
        );
        let secrets = Secrets::from_sources(&s);
        let text = "error: Bearer abc123 / Bearer%20abc123 pw-from-arg pw-from-prop envpass http://user:envpass@c:4317";
        let out = secrets.redact(text);
        for leaked in ["abc123", "pw-from", "envpass"] {
            assert!(!out.contains(leaked), "{out}");
        }
        assert!(out.starts_with("error: "), "{out}");
    }

    #[test]
    fn given_settings_show_the_winner_and_what_it_beats() {
        let s = sources(
            "otel.service.name=arg",
            &[("otel.service.name", "prop")],
            &[("OTEL_SERVICE_NAME", "env"), ("OTEL_EXPORTER_OTLP_TIMEOUT", "500")],
        );
        let given = given_settings(&s);
        assert_eq!(
            given,
            vec![
                Given {
                    key: "otel.exporter.otlp.timeout".into(),
                    value: "500".into(),
                    origin: "environment",
                    overrides: vec![],
                },
                Given {
                    key: "otel.service.name".into(),
                    value: "arg".into(),
                    origin: "agent argument",
                    overrides: vec!["system property", "environment"],
                },
            ]
        );
    }

    #[test]
    fn configuration_problems_are_failures_and_each_is_named() {
        let s = sources("otel.metric.export.interval=soon,otel.connect.nonsense=1", &[], &[]);
        let (config, problems) = config::resolve(&s);
        let lines = configuration_lines(&s, &config, &problems);
        assert_eq!(failures(&lines), 2, "{}", rendered(&lines));
        let text = rendered(&lines);
        assert!(
            text.contains("✗ configuration: otel.metric.export.interval=\"soon\""),
            "{text}"
        );
        assert!(text.contains("otel.connect.nonsense"), "{text}");
        assert!(
            text.contains("    otel.metric.export.interval = soon (agent argument)"),
            "{text}"
        );
    }

    #[test]
    fn a_clean_configuration_passes_and_shows_what_was_resolved() {
        let s = sources("", &[], &[("OTEL_EXPORTER_OTLP_HEADERS", "api-key=topsecret")]);
        let (config, problems) = config::resolve(&s);
        let lines = configuration_lines(&s, &config, &problems);
        assert_eq!(lines[0].render(), "✓ configuration: no problems (1 settings given)");
        let text = rendered(&lines);
        assert!(
            text.contains("otel.exporter.otlp.headers = api-key=*** (environment)"),
            "{text}"
        );
        assert!(text.contains("resolved: metrics: every 30000 ms"), "{text}");
        assert!(!text.contains("topsecret"), "{text}");
    }

    #[test]
    fn nothing_on_is_a_failure() {
        let s = sources("otel.metrics.exporter=none,otel.traces.exporter=none", &[], &[]);
        let (config, problems) = config::resolve(&s);
        let lines = configuration_lines(&s, &config, &problems);
        assert_eq!(failures(&lines), 1, "{}", rendered(&lines));
        assert!(lines.iter().all(|l| l.mark != Mark::Pass), "{}", rendered(&lines));
        assert_eq!(collector_line(&config).mark, Mark::Skip);

        let s = sources("", &[], &[("OTEL_SDK_DISABLED", "true")]);
        let (config, problems) = config::resolve(&s);
        let lines = configuration_lines(&s, &config, &problems);
        assert_eq!(
            lines[0].render(),
            "✗ configuration: otel.sdk.disabled=true: the agent would do nothing"
        );
        assert!(lines.iter().all(|l| l.mark != Mark::Pass), "{}", rendered(&lines));
    }

    fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    #[test]
    fn worker_properties_judged_for_jmx_reporter_and_kind() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let (config, _) = config::resolve(&Sources::default());
        let check = |text: &str| worker_lines(Some(&write(dir, "w.properties", text)), &config);

        let ok = check("group.id=cluster-a\nlisteners=http://:18083\n");
        assert_eq!(failures(&ok), 0, "{}", rendered(&ok));
        assert!(rendered(&ok).contains("group.id=cluster-a: a distributed worker"));
        assert!(rendered(&ok).contains("metric.reporters is not set"));

        let listed = check(&format!("group.id=g\nmetric.reporters=x.Y,{JMX_REPORTER}\n"));
        assert_eq!(failures(&listed), 0, "{}", rendered(&listed));

        let without = check("group.id=g\nmetric.reporters=io.example.Reporter\n");
        assert_eq!(failures(&without), 1);
        assert!(rendered(&without).contains("✗ the worker's metric.reporters (io.example.Reporter)"));

        let kafka3_off = check("group.id=g\nauto.include.jmx.reporter=false\n");
        assert_eq!(failures(&kafka3_off), 1);
        assert!(rendered(&kafka3_off).contains("auto.include.jmx.reporter=false"));

        let standalone = check("offset.storage.file.filename=/tmp/o\n");
        assert_eq!(failures(&standalone), 0, "{}", rendered(&standalone));
        assert!(rendered(&standalone).contains("a standalone worker"));

        let not_a_worker = check("name=my-connector\nconnector.class=X\n");
        assert_eq!(failures(&not_a_worker), 1);

        let missing = worker_lines(Some("/nonexistent/connect.properties"), &config);
        assert_eq!(failures(&missing), 1);
        assert!(missing[0]
            .text
            .contains("/nonexistent/connect.properties cannot be read"));

        assert_eq!(worker_lines(None, &config)[0].mark, Mark::Skip);
    }

    #[test]
    fn a_refused_port_fails_at_once_and_names_the_endpoint() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        for protocol in ["grpc", "http/protobuf"] {
            let s = sources(
                &format!("otel.exporter.otlp.endpoint=http://127.0.0.1:{port},otel.exporter.otlp.protocol={protocol}"),
                &[],
                &[],
            );
            let (config, _) = config::resolve(&s);
            let started = Instant::now();
            let line = collector_line(&config);
            assert_eq!(line.mark, Mark::Fail, "{}", line.render());
            assert!(line.text.contains(&format!("127.0.0.1:{port}")), "{}", line.render());
            assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        }
    }

    #[test]
    fn a_collector_that_never_answers_is_bounded_by_the_timeout() {
        // Accepts connections (the kernel's backlog does) and never reads or answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        for protocol in ["grpc", "http/protobuf"] {
            let s = sources(
                &format!(
                    "otel.exporter.otlp.endpoint=http://127.0.0.1:{port},otel.exporter.otlp.protocol={protocol},\
                     otel.exporter.otlp.timeout=700"
                ),
                &[],
                &[],
            );
            let (config, _) = config::resolve(&s);
            let started = Instant::now();
            let line = collector_line(&config);
            let took = started.elapsed();
            assert_eq!(line.mark, Mark::Fail, "{}", line.render());
            assert!(
                line.text.contains("no answer within the timeout of 700 ms"),
                "{}",
                line.render()
            );
            assert!(
                took >= Duration::from_millis(650) && took < Duration::from_millis(700) + COLLECTOR_SLACK,
                "{took:?}"
            );
        }
        // The check's own limit caps a very long configured timeout.
        let s = sources(
            &format!("otel.exporter.otlp.endpoint=http://127.0.0.1:{port},otel.exporter.otlp.timeout=600000"),
            &[],
            &[],
        );
        let (config, _) = config::resolve(&s);
        let line = probe_collector(config.metrics_exporter.as_ref().unwrap(), Duration::from_millis(500));
        assert!(line.text.contains("within the check's limit"), "{}", line.render());
        drop(listener);
    }
}
