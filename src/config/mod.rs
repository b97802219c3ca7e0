//! Configuration, resolved once, the OpenTelemetry way: `-javaagent:…=key=value,…` arguments over
//! `-Dotel.*` system properties over `OTEL_*` environment variables over defaults.
//!
//! Why here and not in the SDK: the Rust SDK reads no Java properties and only some spec variables, and values
//! set in code win over its own environment reading. So every value is decided here and passed explicitly.
//! Each bad value produces one [`Problem`] naming the key, the value and what was expected; the part it
//! belongs to stays off. Secrets (header values, key files' contents) never appear in a problem.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use crate::collect::rules::GROUP_NAMES;

/// Raw key/value sources as the Java shim hands them over, plus the process environment.
#[derive(Default, Clone, Debug)]
pub struct Sources {
    /// Pairs from the agent argument string, in canonical (`otel.x.y`) form.
    pub agent_args: BTreeMap<String, String>,
    /// `otel.*` system properties.
    pub system_properties: BTreeMap<String, String>,
    /// `OTEL_*` environment variables.
    pub environment: BTreeMap<String, String>,
}

impl Sources {
    pub fn new(
        agent_args: &str,
        system_properties: BTreeMap<String, String>,
        environment: BTreeMap<String, String>,
    ) -> Self {
        Sources {
            agent_args: parse_agent_args(agent_args),
            system_properties,
            environment,
        }
    }

    /// Value of `key` (canonical form) from the first source that has it, with where it came from.
    pub fn get(&self, key: &str) -> Option<(&str, &'static str)> {
        if let Some(v) = self.agent_args.get(key) {
            return Some((v.as_str(), "agent argument"));
        }
        if let Some(v) = self.system_properties.get(key) {
            return Some((v.as_str(), "system property"));
        }
        self.environment
            .get(&env_name(key))
            .map(|v| (v.as_str(), "environment"))
    }

    /// Every `otel.connect.*` key given in any source (env names mapped back to the canonical form).
    fn connect_keys(&self) -> BTreeSet<String> {
        let mut keys: BTreeSet<String> = self
            .agent_args
            .keys()
            .chain(self.system_properties.keys())
            .filter(|k| k.starts_with("otel.connect."))
            .cloned()
            .collect();
        let known = known_connect_keys();
        for k in self.environment.keys().filter(|k| k.starts_with("OTEL_CONNECT_")) {
            // `_` stands for `.` and `-` alike, so the known keys decide (`…_TASK_ERROR_ENABLED` is
            // `task-error`); an unknown name is shown with dots.
            match known.iter().find(|key| env_name(key) == *k) {
                Some(key) => keys.insert(key.clone()),
                None => keys.insert(k.to_ascii_lowercase().replace('_', ".")),
            };
        }
        keys
    }
}

/// Bytes per OTLP request, for every signal: a larger request (long connector names, client-ids, topics) is
/// split, so that none reaches a default collector's 4 MiB gRPC message limit.
pub const MAX_REQUEST_BYTES: usize = 3 << 20;

/// `otel.exporter.otlp.endpoint` → `OTEL_EXPORTER_OTLP_ENDPOINT`.
pub fn env_name(key: &str) -> String {
    key.to_ascii_uppercase().replace(['.', '-'], "_")
}

/// Splits `a=1,b=x,y,c=2` into pairs. A comma starts a new pair only when what follows looks like a key
/// (`otel.…=`), so values may contain commas (header lists, ObjectName patterns).
pub fn parse_agent_args(args: &str) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for segment in args.split(',') {
        // Empty pairs (`,,`, a leading or trailing comma) are no part of any value.
        if segment.trim().is_empty() {
            continue;
        }
        let starts_pair = segment
            .split_once('=')
            .map(|(k, _)| {
                let k = k.trim();
                k.starts_with("otel.") && k.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            })
            .unwrap_or(false);
        if starts_pair {
            if let Some((k, v)) = current.take() {
                out.insert(k, v.trim_end().to_string());
            }
            let (k, v) = segment.split_once('=').unwrap_or((segment, ""));
            current = Some((k.trim().to_string(), v.trim().to_string()));
        } else if let Some((_, v)) = current.as_mut() {
            v.push(',');
            v.push_str(segment);
        } else {
            // A lone word before any pair: keep it so that validation names it.
            out.insert(segment.trim().to_string(), String::new());
        }
    }
    if let Some((k, v)) = current {
        out.insert(k, v.trim_end().to_string());
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Grpc,
    HttpProtobuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
}

/// Where and how to send one signal.
#[derive(Clone, Debug, PartialEq)]
pub struct ExporterConfig {
    pub protocol: Protocol,
    /// Full URL. For HTTP it already ends with the signal path (`/v1/metrics`).
    pub endpoint: String,
    pub headers: Vec<(String, String)>,
    pub timeout: Duration,
    pub compression: Compression,
    pub ca_certificate: Option<String>,
    pub client_certificate: Option<String>,
    pub client_key: Option<String>,
}

impl ExporterConfig {
    /// Plain OTLP to `endpoint`: no headers, no compression, no TLS files (tests' exporters).
    #[cfg(test)]
    pub fn plain(protocol: Protocol, endpoint: String, timeout: Duration) -> ExporterConfig {
        ExporterConfig {
            protocol,
            endpoint,
            headers: vec![],
            timeout,
            compression: Compression::None,
            ca_certificate: None,
            client_certificate: None,
            client_key: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct MetricsConfig {
    pub interval: Duration,
    /// Metric groups switched on (names from [`crate::collect::rules::GROUP_NAMES`]).
    pub groups: BTreeSet<String>,
    /// ObjectName patterns (JMX syntax); empty = everything our rules know.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// Collections without progress after which a running task with work waiting is stalled.
    pub stall_intervals: u32,
    /// Give freed native memory back to the system after each export (`src/jni/libc.rs`).
    pub trim_memory: bool,
}

impl MetricsConfig {
    /// What the read plan needs of this configuration.
    pub fn selection(&self) -> crate::collect::plan::Selection<'_> {
        crate::collect::plan::Selection {
            groups: &self.groups,
            include: &self.include,
            exclude: &self.exclude,
        }
    }
}

/// How new root spans are sampled (the OpenTelemetry `otel.traces.sampler` values).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sampler {
    AlwaysOn,
    AlwaysOff,
    Ratio(f64),
    ParentAlwaysOn,
    ParentAlwaysOff,
    ParentRatio(f64),
}

/// The default bound on the bytes the span queue holds: thousands of ordinary spans, a handful of huge ones.
pub const DEFAULT_SPAN_QUEUE_BYTES: u64 = 64 << 20;

#[derive(Clone, Debug, PartialEq)]
pub struct TracesConfig {
    pub sampler: Sampler,
    pub attribute_count_limit: u32,
    pub event_count_limit: u32,
    pub link_count_limit: u32,
    /// `None`: no configured limit (the API still caps one value at 32 KiB to bound memory).
    pub attribute_value_length_limit: Option<u32>,
    pub schedule_delay: Duration,
    pub max_queue_size: usize,
    /// `otel.connect.spans.queue.bytes`: the most bytes of encoded spans the queue holds.
    pub max_queue_bytes: usize,
    pub max_export_batch_size: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AgentConfig {
    /// `otel.sdk.disabled=true`: nothing runs.
    pub sdk_disabled: bool,
    pub service_name: Option<String>,
    pub resource_attributes: Vec<(String, String)>,
    /// `None` when metrics are off (by choice or because of a bad value).
    pub metrics: Option<MetricsConfig>,
    pub metrics_exporter: Option<ExporterConfig>,
    pub traces_exporter: Option<ExporterConfig>,
    pub logs_exporter: Option<ExporterConfig>,
    /// `None` when failure log records are off (by choice, no logs exporter, or metrics off).
    pub failures: Option<FailuresConfig>,
    /// `None` when tracing is off (no exporter, or a bad value).
    pub traces: Option<TracesConfig>,
    /// Explicit worker properties file; otherwise found from the worker's command line.
    pub worker_config: Option<String>,
}

/// Failure log records: where the worker's REST API is and how to log in.
#[derive(Clone, Debug, PartialEq)]
pub struct FailuresConfig {
    /// `otel.connect.rest.url`; otherwise the worker's first listener.
    pub rest_url: Option<String>,
    pub rest_username: Option<String>,
    pub rest_password: Option<String>,
    /// PEM CA for an HTTPS listener, when the worker's truststore is not PEM.
    pub rest_ca: Option<String>,
}

/// One bad input, already phrased for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem(pub String);

const DEFAULT_INTERVAL_MS: u64 = 30_000;
const DEFAULT_TIMEOUT_MS: u64 = 10_000;
const DEFAULT_STALL_INTERVALS: u64 = 4;

/// Our own keys besides the group switches. Anything else under `otel.connect.` is reported as unknown.
const CONNECT_KEYS: &[&str] = &[
    "otel.connect.library.path",
    "otel.connect.mbeans.include",
    "otel.connect.mbeans.exclude",
    "otel.connect.worker.config",
    "otel.connect.log.level",
    "otel.connect.stall.intervals",
    "otel.connect.memory.trim",
    "otel.connect.failures.enabled",
    "otel.connect.rest.url",
    "otel.connect.rest.username",
    "otel.connect.rest.password",
    "otel.connect.rest.ca",
    "otel.connect.spans.queue.bytes",
];

/// Every `otel.connect.*` key we read: [`CONNECT_KEYS`] and one switch per metric group.
pub fn known_connect_keys() -> Vec<String> {
    CONNECT_KEYS
        .iter()
        .map(|k| k.to_string())
        .chain(GROUP_NAMES.iter().map(|g| format!("otel.connect.metrics.{g}.enabled")))
        .collect()
}

/// Longest key name a line shows whole: a key can be as long as any value.
const SHOWN_KEY_CHARS: usize = 120;

/// A key name as a line shows it: cut past [`SHOWN_KEY_CHARS`], with its length given.
fn key_shown(key: &str) -> String {
    let count = key.chars().count();
    if count <= SHOWN_KEY_CHARS {
        key.to_string()
    } else {
        format!(
            "{}… ({count} characters)",
            key.chars().take(SHOWN_KEY_CHARS).collect::<String>()
        )
    }
}

struct Resolver<'a> {
    sources: &'a Sources,
    problems: Vec<Problem>,
}

/// What is wrong with one value, without what it turns off.
fn invalid(key: &str, value: &str, origin: &str, expected: &str) -> String {
    format!(
        "{key}={} ({origin}) is not valid: expected {expected}",
        crate::diag::redact::shown(key, value)
    )
}

impl<'a> Resolver<'a> {
    fn problem(&mut self, key: &str, value: &str, origin: &str, expected: &str, consequence: &str) {
        self.problems.push(Problem(format!(
            "{}; {consequence}",
            invalid(key, value, origin, expected)
        )));
    }

    /// Boolean: `true`/`false` in any case. `Err` after a problem was recorded.
    fn bool(&mut self, key: &str, default: bool, consequence: &str) -> Result<bool, ()> {
        match self.sources.get(key) {
            None => Ok(default),
            Some((v, origin)) => match v.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => {
                    self.problem(key, v, origin, "true or false", consequence);
                    Err(())
                }
            },
        }
    }

    fn millis(&mut self, key: &str, default: u64, min: u64, consequence: &str) -> Result<Duration, ()> {
        match self.sources.get(key) {
            None => Ok(Duration::from_millis(default)),
            Some((v, origin)) => match v.trim().parse::<u64>() {
                Ok(ms) if ms >= min => Ok(Duration::from_millis(ms)),
                _ => {
                    let expected = format!("a whole number of milliseconds, at least {min}");
                    self.problem(key, v, origin, &expected, consequence);
                    Err(())
                }
            },
        }
    }

    /// The per-signal key wins over the generic one, whatever source each comes from.
    fn signal(&self, generic: &str, signal_key: &str) -> (String, Option<(&'a str, &'static str)>) {
        match self.sources.get(signal_key) {
            Some(v) => (signal_key.to_string(), Some(v)),
            None => (generic.to_string(), self.sources.get(generic)),
        }
    }

    /// One signal's exporter. `Err` is what is wrong, without its consequence: a bad generic key is wrong for
    /// every signal alike, and [`resolve`] says so once, naming the signals it turns off.
    fn exporter(&self, signal: &str) -> Result<Option<ExporterConfig>, String> {
        let k = |base: &str| format!("otel.exporter.otlp.{signal}.{base}");
        let exporter_key = format!("otel.{signal}.exporter");
        match self.sources.get(&exporter_key) {
            Some((v, _)) if v.trim() == "none" => return Ok(None),
            Some((v, _)) if v.trim() == "otlp" => {}
            Some((v, origin)) => return Err(invalid(&exporter_key, v, origin, "otlp or none")),
            None => {}
        }

        let (endpoint_key, endpoint) = self.signal("otel.exporter.otlp.endpoint", &k("endpoint"));
        let endpoint_is_per_signal = endpoint_key != "otel.exporter.otlp.endpoint";
        let (protocol_key, protocol) = self.signal("otel.exporter.otlp.protocol", &k("protocol"));
        let protocol = match protocol {
            None => {
                // The spec's default is http/protobuf; an endpoint on the gRPC port (or none at all) means
                // gRPC, so `OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4317` alone works as users expect.
                let http_port = endpoint.map(|(v, _)| port_of(v) == Some(4318)).unwrap_or(false);
                if http_port {
                    Protocol::HttpProtobuf
                } else {
                    Protocol::Grpc
                }
            }
            Some((v, origin)) => match v.trim() {
                "grpc" => Protocol::Grpc,
                "http/protobuf" => Protocol::HttpProtobuf,
                _ => return Err(invalid(&protocol_key, v, origin, "grpc or http/protobuf")),
            },
        };
        let endpoint = match endpoint {
            None => match protocol {
                Protocol::Grpc => "http://localhost:4317".to_string(),
                Protocol::HttpProtobuf => format!("http://localhost:4318/v1/{signal}"),
            },
            Some((v, origin)) => {
                let v = v.trim();
                if !is_url(v) {
                    return Err(invalid(&endpoint_key, v, origin, URL_EXPECTED));
                }
                match protocol {
                    Protocol::HttpProtobuf if !endpoint_is_per_signal => {
                        format!("{}/v1/{signal}", v.trim_end_matches('/'))
                    }
                    _ => v.to_string(),
                }
            }
        };
        let (headers_key, headers) = self.signal("otel.exporter.otlp.headers", &k("headers"));
        let headers = match headers {
            None => Vec::new(),
            Some((v, origin)) => match parse_key_values(v).filter(|h| h.iter().all(|(k, v)| valid_header(k, v))) {
                Some(h) => h,
                // Never echo header values: they carry credentials.
                None => {
                    return Err(format!(
                        "{headers_key} ({origin}) is not valid: expected name=value pairs separated by commas, \
                         names of letters, digits and -, values of printable ASCII (value not shown)"
                    ))
                }
            },
        };
        let (timeout_key, timeout) = self.signal("otel.exporter.otlp.timeout", &k("timeout"));
        let timeout = match timeout {
            None => Duration::from_millis(DEFAULT_TIMEOUT_MS),
            Some((v, origin)) => match v.trim().parse::<u64>() {
                Ok(ms) if ms >= 1 => Duration::from_millis(ms),
                _ => {
                    return Err(invalid(
                        &timeout_key,
                        v,
                        origin,
                        "a whole number of milliseconds, at least 1",
                    ))
                }
            },
        };
        let (compression_key, compression) = self.signal("otel.exporter.otlp.compression", &k("compression"));
        let compression = match compression.map(|(v, o)| (v.trim(), o)) {
            None | Some(("none", _)) => Compression::None,
            Some(("gzip", _)) => Compression::Gzip,
            Some((v, origin)) => return Err(invalid(&compression_key, v, origin, "gzip or none")),
        };
        let file = |generic: &str, per_signal: &str, holds: Pem| -> Result<Option<String>, String> {
            let (key, v) = self.signal(generic, per_signal);
            match v {
                None => Ok(None),
                Some((path, origin)) => match pem_problem(path.trim(), holds) {
                    None => Ok(Some(path.trim().to_string())),
                    Some(why) => Err(invalid(&key, path, origin, &format!("{}: {why}", holds.expected()))),
                },
            }
        };
        let ca_certificate = file("otel.exporter.otlp.certificate", &k("certificate"), Pem::Certificates)?;
        let client_certificate = file(
            "otel.exporter.otlp.client.certificate",
            &k("client.certificate"),
            Pem::Certificates,
        )?;
        let client_key = file("otel.exporter.otlp.client.key", &k("client.key"), Pem::PrivateKey)?;
        if client_certificate.is_some() != client_key.is_some() {
            return Err(
                "otel.exporter.otlp.client.certificate and otel.exporter.otlp.client.key must be given together \
                 for mTLS"
                    .to_string(),
            );
        }
        Ok(Some(ExporterConfig {
            protocol,
            endpoint,
            headers,
            timeout,
            compression,
            ca_certificate,
            client_certificate,
            client_key,
        }))
    }

    fn patterns(&mut self, key: &str) -> Result<Vec<String>, ()> {
        match self.sources.get(key) {
            None => Ok(Vec::new()),
            Some((v, origin)) => {
                let mut out = Vec::new();
                for p in v.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                    if crate::collect::objectname::Pattern::parse(p).is_none() {
                        self.problem(
                            key,
                            v,
                            origin,
                            "ObjectName patterns such as kafka.connect:type=sink-task-metrics,* separated by ';'",
                            "metrics are off",
                        );
                        return Err(());
                    }
                    out.push(p.to_string());
                }
                Ok(out)
            }
        }
    }

    fn metrics(&mut self) -> Result<Option<MetricsConfig>, ()> {
        let interval = self.millis(
            "otel.metric.export.interval",
            DEFAULT_INTERVAL_MS,
            100,
            "metrics are off",
        )?;
        let mut groups = BTreeSet::new();
        for group in GROUP_NAMES {
            let key = format!("otel.connect.metrics.{group}.enabled");
            // A bad value switches that group off; the others carry on.
            if let Ok(true) = self.bool(&key, true, &format!("metric group {group} is off")) {
                groups.insert(group.to_string());
            }
        }
        let include = self.patterns("otel.connect.mbeans.include")?;
        let exclude = self.patterns("otel.connect.mbeans.exclude")?;
        // A bad value keeps the default: stall detection is one metric, not a reason to stop collecting.
        let stall_intervals = self
            .number(
                &["otel.connect.stall.intervals"],
                DEFAULT_STALL_INTERVALS,
                1,
                "the default 4 is used",
            )
            .unwrap_or(DEFAULT_STALL_INTERVALS)
            .min(u32::MAX as u64) as u32;
        let trim_memory = self
            .bool("otel.connect.memory.trim", true, "the default true is used")
            .unwrap_or(true);
        Ok(Some(MetricsConfig {
            interval,
            groups,
            include,
            exclude,
            stall_intervals,
            trim_memory,
        }))
    }
}

impl<'a> Resolver<'a> {
    fn number(&mut self, keys: &[&str], default: u64, min: u64, consequence: &str) -> Result<u64, ()> {
        let Some((key, (v, origin))) = keys.iter().find_map(|k| self.sources.get(k).map(|v| (*k, v))) else {
            return Ok(default);
        };
        match v.trim().parse::<u64>() {
            Ok(n) if n >= min => Ok(n),
            _ => {
                self.problem(key, v, origin, &format!("a whole number, at least {min}"), consequence);
                Err(())
            }
        }
    }

    fn traces(&mut self) -> Result<TracesConfig, ()> {
        let off = "tracing is off";
        let ratio = match self.sources.get("otel.traces.sampler.arg") {
            None => 1.0,
            Some((v, origin)) => match v.trim().parse::<f64>() {
                Ok(r) if (0.0..=1.0).contains(&r) => r,
                _ => {
                    self.problem("otel.traces.sampler.arg", v, origin, "a ratio from 0.0 to 1.0", off);
                    return Err(());
                }
            },
        };
        let sampler = match self.sources.get("otel.traces.sampler").map(|(v, o)| (v.trim(), o)) {
            None | Some(("parentbased_always_on", _)) => Sampler::ParentAlwaysOn,
            Some(("always_on", _)) => Sampler::AlwaysOn,
            Some(("always_off", _)) => Sampler::AlwaysOff,
            Some(("traceidratio", _)) => Sampler::Ratio(ratio),
            Some(("parentbased_always_off", _)) => Sampler::ParentAlwaysOff,
            Some(("parentbased_traceidratio", _)) => Sampler::ParentRatio(ratio),
            Some((v, origin)) => {
                let expected = "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or \
                                parentbased_traceidratio";
                self.problem("otel.traces.sampler", v, origin, expected, off);
                return Err(());
            }
        };
        let count = |r: &mut Self, k: &[&str]| r.number(k, 128, 0, off).map(|n| n.min(u32::MAX as u64) as u32);
        let attribute_count_limit = count(self, &["otel.span.attribute.count.limit", "otel.attribute.count.limit"])?;
        let event_count_limit = count(self, &["otel.span.event.count.limit"])?;
        let link_count_limit = count(self, &["otel.span.link.count.limit"])?;
        let value_keys = [
            "otel.span.attribute.value.length.limit",
            "otel.attribute.value.length.limit",
        ];
        let attribute_value_length_limit = if value_keys.iter().any(|k| self.sources.get(k).is_some()) {
            Some(self.number(&value_keys, 0, 1, off)?.min(u32::MAX as u64) as u32)
        } else {
            None
        };
        Ok(TracesConfig {
            sampler,
            attribute_count_limit,
            event_count_limit,
            link_count_limit,
            attribute_value_length_limit,
            schedule_delay: Duration::from_millis(self.number(&["otel.bsp.schedule.delay"], 5000, 1, off)?),
            max_queue_size: self.number(&["otel.bsp.max.queue.size"], 2048, 1, off)? as usize,
            // At least one span of the largest request the export sends.
            max_queue_bytes: self
                .number(
                    &["otel.connect.spans.queue.bytes"],
                    DEFAULT_SPAN_QUEUE_BYTES,
                    MAX_REQUEST_BYTES as u64,
                    off,
                )?
                .min(usize::MAX as u64) as usize,
            max_export_batch_size: self.number(&["otel.bsp.max.export.batch.size"], 512, 1, off)? as usize,
        })
    }
}

const URL_EXPECTED: &str =
    "an http:// or https:// URL of at most 2048 characters with a host, and a port from 1 to 65535 if one is given";

/// Longest URL or path accepted: every line about an endpoint or file names it, so it must stay readable
/// (and no real one comes near).
const MAX_URL_CHARS: usize = 2048;
const MAX_PATH_BYTES: usize = 4096;

/// `http://` or `https://`, a host, and a port (when given) from 1 to 65535.
fn is_url(url: &str) -> bool {
    if url.chars().count() > MAX_URL_CHARS {
        return false;
    }
    let Some(rest) = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://")) else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
    // `[::1]:4317`: the port follows the bracket.
    let (host, port) = match host_port.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, "")) => (h, None),
            Some((h, after)) => match after.strip_prefix(':') {
                Some(p) => (h, Some(p)),
                None => return false,
            },
            None => return false,
        },
        None => match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        },
    };
    let port_ok = match port {
        None => true,
        Some(p) => p.bytes().all(|b| b.is_ascii_digit()) && matches!(p.parse::<u32>(), Ok(1..=65535)),
    };
    !host.is_empty() && !host.contains(|c: char| c.is_whitespace()) && port_ok
}

/// A header both transports accept: an HTTP token for the name (gRPC wants it lower-cased, which the sender
/// does), visible ASCII or spaces for the value.
fn valid_header(name: &str, value: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        && value.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// What a TLS file must hold.
#[derive(Clone, Copy)]
enum Pem {
    Certificates,
    PrivateKey,
}

impl Pem {
    fn expected(self) -> &'static str {
        match self {
            Pem::Certificates => "a readable PEM file of certificates",
            Pem::PrivateKey => "a readable PEM file with a private key",
        }
    }
}

/// Why the file at `path` is not what `holds` asks for, or `None`. Read at start-up, so that a bad file is
/// named with its key once, not found by every export.
fn pem_problem(path: &str, holds: Pem) -> Option<String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return Some(format!("cannot read it ({})", io_reason(&e))),
    };
    if !meta.is_file() {
        return Some("it is not a regular file".into());
    }
    // A certificate or key file is a few KB; anything far larger is not one (and is not read whole).
    if meta.len() > 16 << 20 {
        return Some(format!("it has {} bytes", meta.len()));
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Some(format!("cannot read it ({})", io_reason(&e))),
    };
    match holds {
        Pem::Certificates => {
            let mut count = 0;
            for cert in CertificateDer::pem_slice_iter(&bytes) {
                match cert {
                    Ok(_) => count += 1,
                    Err(e) => return Some(format!("it is not valid PEM ({e})")),
                }
            }
            (count == 0).then(|| "it holds no PEM certificate".to_string())
        }
        Pem::PrivateKey => match PrivateKeyDer::from_pem_slice(&bytes) {
            Ok(_) => None,
            Err(rustls::pki_types::pem::Error::NoItemsFound) => Some("it holds no PEM private key".into()),
            Err(e) => Some(format!("it is not valid PEM ({e})")),
        },
    }
}

/// "No such file or directory", without the "(os error 2)" the operator does not need.
fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn port_of(url: &str) -> Option<u16> {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split('/').next()?;
    authority.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
}

/// `k=v,k2=v2` with percent-encoded values (the spec's format for headers and resource attributes).
pub fn parse_key_values(input: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    for item in input.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (k, v) = item.split_once('=')?;
        let k = k.trim();
        if k.is_empty() {
            return None;
        }
        out.push((percent_decode(k)?, percent_decode(v.trim())?));
    }
    Some(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Resolves everything once. Never fails: problems are returned for the caller to log, and the parts they
/// touch come back as `None`.
pub fn resolve(sources: &Sources) -> (AgentConfig, Vec<Problem>) {
    let mut r = Resolver {
        sources,
        problems: Vec::new(),
    };

    let known = known_connect_keys();
    for key in sources.connect_keys() {
        if !known.contains(&key) {
            let (value, origin) = sources.get(&key).unwrap_or(("", "environment"));
            let expected = format!(
                "one of {}, otel.connect.metrics.<group>.enabled (groups: {})",
                CONNECT_KEYS.join(", "),
                GROUP_NAMES.join(", ")
            );
            r.problems.push(Problem(format!(
                "unknown key {}={} ({origin}); expected {expected}; ignored",
                key_shown(&key),
                crate::diag::redact::shown(&key, value)
            )));
        }
    }
    for word in sources.agent_args.keys().filter(|k| !k.starts_with("otel.")) {
        // The same rules as a value: a secret-looking name hides what follows it, a long one is cut.
        let (name, value) = word.split_once('=').unwrap_or((word, ""));
        let shown = if value.is_empty() {
            crate::diag::redact::shown(name, name)
        } else {
            format!("{}={}", key_shown(name), crate::diag::redact::shown(name, value))
        };
        r.problems.push(Problem(format!(
            "agent argument {shown} is not a key=value pair with an otel.* key; ignored"
        )));
    }

    let sdk_disabled = r
        .bool("otel.sdk.disabled", false, "the agent stays on")
        .unwrap_or(false);
    // A bad generic key is wrong for every signal alike: one line, naming the signals it turns off.
    let mut exporter_problems: Vec<(String, Vec<&str>)> = Vec::new();
    let mut exporter = |signal: &'static str| match r.exporter(signal) {
        Ok(e) => e,
        Err(text) => {
            match exporter_problems.iter_mut().find(|(t, _)| *t == text) {
                Some((_, signals)) => signals.push(signal),
                None => exporter_problems.push((text, vec![signal])),
            }
            None
        }
    };
    let metrics_exporter = exporter("metrics");
    let traces_exporter = exporter("traces");
    let logs_exporter = exporter("logs");
    for (text, signals) in exporter_problems {
        let off = match signals.as_slice() {
            [one] => format!("{one} export is off"),
            [init @ .., last] => format!("{} and {last} export are off", init.join(", ")),
            [] => continue,
        };
        r.problems.push(Problem(format!("{text}; {off}")));
    }
    let text = |k: &str| {
        sources
            .get(k)
            .map(|(v, _)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let failures_on = r
        .bool("otel.connect.failures.enabled", true, "failure log records are off")
        .unwrap_or(false);
    // The REST settings are checked only where they are used, so that a line never blames them for
    // records that are off anyway.
    let mut rest_ok = true;
    if failures_on && logs_exporter.is_some() {
        let off = "failure log records are off";
        if let Some((v, origin)) = sources
            .get("otel.connect.rest.url")
            .filter(|(v, _)| !v.trim().is_empty())
        {
            if !is_url(v.trim()) {
                r.problem("otel.connect.rest.url", v, origin, URL_EXPECTED, off);
                rest_ok = false;
            }
        }
        if let Some((v, origin)) = sources
            .get("otel.connect.rest.ca")
            .filter(|(v, _)| !v.trim().is_empty())
        {
            if let Some(why) = pem_problem(v.trim(), Pem::Certificates) {
                let expected = format!("{}: {why}", Pem::Certificates.expected());
                r.problem("otel.connect.rest.ca", v, origin, &expected, off);
                rest_ok = false;
            }
        }
    }
    let failures = (failures_on && rest_ok && logs_exporter.is_some()).then(|| FailuresConfig {
        rest_url: text("otel.connect.rest.url"),
        rest_username: text("otel.connect.rest.username"),
        rest_password: text("otel.connect.rest.password"),
        rest_ca: text("otel.connect.rest.ca"),
    });
    let metrics = match r.metrics() {
        Ok(m) if metrics_exporter.is_some() => m,
        _ => None,
    };
    let traces = match traces_exporter {
        Some(_) => r.traces().ok(),
        None => None,
    };

    let mut resource_attributes = Vec::new();
    if let Some((v, origin)) = sources.get("otel.resource.attributes") {
        match parse_key_values(v) {
            Some(kv) => resource_attributes = kv,
            None => r.problem(
                "otel.resource.attributes",
                v,
                origin,
                "key=value pairs separated by commas",
                "resource attributes ignored",
            ),
        }
    }
    let service_name = sources
        .get("otel.service.name")
        .map(|(v, _)| v.trim().to_string())
        .filter(|s| !s.is_empty());
    let worker_config = match sources.get("otel.connect.worker.config") {
        Some((v, origin)) if v.trim().len() > MAX_PATH_BYTES => {
            let expected = format!("a file path of at most {MAX_PATH_BYTES} bytes");
            r.problem(
                "otel.connect.worker.config",
                v,
                origin,
                &expected,
                "the worker's command line is read instead",
            );
            None
        }
        v => v.map(|(v, _)| v.trim().to_string()),
    };

    let config = AgentConfig {
        sdk_disabled,
        service_name,
        resource_attributes,
        metrics,
        metrics_exporter,
        traces_exporter,
        logs_exporter,
        failures,
        traces,
        worker_config,
    };
    (config, r.problems)
}

/// The environment's `OTEL_*` variables.
pub fn otel_environment() -> BTreeMap<String, String> {
    std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")).collect()
}

/// Description of the configuration for the start-up line, without secrets.
pub fn summary(c: &AgentConfig) -> String {
    let exporter = |e: &Option<ExporterConfig>| match e {
        None => "off".to_string(),
        Some(e) => format!(
            "{} {}{}{}",
            match e.protocol {
                Protocol::Grpc => "grpc",
                Protocol::HttpProtobuf => "http/protobuf",
            },
            e.endpoint,
            if e.headers.is_empty() {
                String::new()
            } else {
                format!(" ({} headers)", e.headers.len())
            },
            if e.client_certificate.is_some() { " mTLS" } else { "" }
        ),
    };
    let metrics = match &c.metrics {
        None => "off".to_string(),
        Some(m) => format!(
            "every {} ms, groups {}",
            m.interval.as_millis(),
            m.groups.iter().cloned().collect::<Vec<_>>().join(",")
        ),
    };
    let failures = match (&c.failures, &c.metrics) {
        (Some(_), Some(_)) => exporter(&c.logs_exporter),
        _ => "off".to_string(),
    };
    format!(
        "metrics: {metrics}; metrics exporter: {}; traces exporter: {}; failure log records: {failures}",
        exporter(&c.metrics_exporter),
        exporter(&c.traces_exporter)
    )
}

/// Sources from plain maps, for tests.
#[cfg(test)]
pub fn sources_from(agent_args: &str, props: &[(&str, &str)], env: &[(&str, &str)]) -> Sources {
    let p: std::collections::HashMap<_, _> = props.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let e: std::collections::HashMap<_, _> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Sources::new(agent_args, p.into_iter().collect(), e.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_with(args: &str, props: &[(&str, &str)], env: &[(&str, &str)]) -> (AgentConfig, Vec<Problem>) {
        resolve(&sources_from(args, props, env))
    }

    #[test]
    fn defaults_follow_the_spec_and_the_issue() {
        let (c, p) = resolve_with("", &[], &[]);
        assert!(p.is_empty(), "{p:?}");
        let m = c.metrics.expect("metrics on by default");
        assert_eq!(m.interval, Duration::from_secs(30));
        let e = c.metrics_exporter.unwrap();
        assert_eq!(e.protocol, Protocol::Grpc);
        assert_eq!(e.endpoint, "http://localhost:4317");
        assert_eq!(e.timeout, Duration::from_secs(10));
        assert!(!c.sdk_disabled);
        assert_eq!(m.groups.len(), GROUP_NAMES.len());
    }

    #[test]
    fn agent_args_beat_system_properties_beat_environment() {
        let env = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4317"),
            ("OTEL_SERVICE_NAME", "from-env"),
        ];
        let props = [("otel.exporter.otlp.endpoint", "http://prop:4317")];
        let (c, _) = resolve_with("otel.exporter.otlp.endpoint=http://arg:4317", &props, &env);
        assert_eq!(c.metrics_exporter.unwrap().endpoint, "http://arg:4317");
        let (c, _) = resolve_with("", &props, &env);
        assert_eq!(c.metrics_exporter.unwrap().endpoint, "http://prop:4317");
        assert_eq!(c.service_name.as_deref(), Some("from-env"));
    }

    #[test]
    fn http_endpoint_gets_signal_path_unless_per_signal() {
        let (c, _) = resolve_with(
            "otel.exporter.otlp.protocol=http/protobuf,otel.exporter.otlp.endpoint=http://h:4318/",
            &[],
            &[],
        );
        assert_eq!(c.metrics_exporter.unwrap().endpoint, "http://h:4318/v1/metrics");
        let (c, _) = resolve_with(
            "otel.exporter.otlp.protocol=http/protobuf,otel.exporter.otlp.metrics.endpoint=http://h:9/custom",
            &[],
            &[],
        );
        assert_eq!(c.metrics_exporter.unwrap().endpoint, "http://h:9/custom");
    }

    #[test]
    fn port_4318_without_protocol_means_http() {
        let (c, _) = resolve_with("", &[], &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")]);
        let e = c.metrics_exporter.unwrap();
        assert_eq!(e.protocol, Protocol::HttpProtobuf);
        assert_eq!(e.endpoint, "http://c:4318/v1/metrics");
    }

    #[test]
    fn commas_inside_values_stay_in_the_value() {
        let a = parse_agent_args(
            "otel.exporter.otlp.headers=a=1,b=2,otel.connect.mbeans.include=kafka.connect:type=x,*;java.lang:*",
        );
        assert_eq!(a["otel.exporter.otlp.headers"], "a=1,b=2");
        assert_eq!(a["otel.connect.mbeans.include"], "kafka.connect:type=x,*;java.lang:*");
    }

    #[test]
    fn problems_never_show_a_secret() {
        let (_, p) = resolve_with(
            "otel.connect.rest.pasword=hunter2,otel.exporter.otlp.metrics.endpoint=ftp://u:pw-in-url@h:4317",
            &[],
            &[("OTEL_METRIC_EXPORT_INTERVAL", &"x".repeat(100_000))],
        );
        let all: Vec<&str> = p.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(all.len(), 3, "{all:?}");
        let joined = all.join("\n");
        assert!(!joined.contains("hunter2") && !joined.contains("pw-in-url"), "{joined}");
        assert!(
            joined.contains("otel.connect.rest.pasword=<7 characters, not shown>"),
            "{joined}"
        );
        assert!(
            joined.contains("(100000 characters)") && joined.len() < 2_000,
            "{joined}"
        );
    }

    #[test]
    fn headers_are_parsed_and_percent_decoded() {
        let (c, p) = resolve_with("otel.exporter.otlp.headers=x-api-key=s%20ecret,tenant=t1", &[], &[]);
        assert!(p.is_empty());
        assert_eq!(
            c.metrics_exporter.unwrap().headers,
            vec![("x-api-key".into(), "s ecret".into()), ("tenant".into(), "t1".into())]
        );
    }

    #[test]
    fn bad_header_problem_never_shows_the_value() {
        let (c, p) = resolve_with("otel.exporter.otlp.headers=secretvalue", &[], &[]);
        assert!(c.metrics_exporter.is_none());
        assert!(c.metrics.is_none(), "metrics need their exporter");
        // One line for the one bad key, naming every signal it turns off.
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(!p[0].0.contains("secretvalue"), "{}", p[0].0);
        assert!(p[0].0.contains("otel.exporter.otlp.headers"));
        assert!(
            p[0].0.ends_with("; metrics, traces and logs export are off"),
            "{}",
            p[0].0
        );
    }

    #[test]
    fn bad_values_name_key_value_and_expectation() {
        let (c, p) = resolve_with("otel.metric.export.interval=soon", &[], &[]);
        assert!(c.metrics.is_none());
        assert_eq!(p.len(), 1);
        let line = &p[0].0;
        assert!(
            line.contains("otel.metric.export.interval") && line.contains("soon") && line.contains("milliseconds"),
            "{line}"
        );

        let (c, p) = resolve_with("otel.exporter.otlp.protocol=http/json", &[], &[]);
        assert!(c.metrics_exporter.is_none() && c.traces_exporter.is_none());
        assert!(p[0].0.contains("grpc or http/protobuf"));

        let (c, p) = resolve_with("", &[], &[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317")]);
        assert!(c.metrics_exporter.is_none());
        assert!(p[0].0.contains("environment"));
    }

    #[test]
    fn unknown_connect_key_is_named_and_ignored() {
        let (c, p) = resolve_with(
            "otel.connect.metrics.jvm.enabeld=false",
            &[],
            &[("OTEL_CONNECT_FOO", "1")],
        );
        assert!(c.metrics.is_some());
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p.iter().any(|x| x.0.contains("otel.connect.metrics.jvm.enabeld")));
        assert!(p.iter().any(|x| x.0.contains("otel.connect.foo")));
    }

    #[test]
    fn memory_trim_is_on_unless_switched_off_and_a_bad_value_keeps_it_on() {
        assert!(resolve_with("", &[], &[]).0.metrics.unwrap().trim_memory);
        let (c, p) = resolve_with("", &[], &[("OTEL_CONNECT_MEMORY_TRIM", "false")]);
        assert!(p.is_empty(), "{p:?}");
        assert!(!c.metrics.unwrap().trim_memory);
        let (c, p) = resolve_with("otel.connect.memory.trim=sometimes", &[], &[]);
        assert!(c.metrics.unwrap().trim_memory);
        assert_eq!(p.len(), 1);
        assert!(p[0].0.contains("otel.connect.memory.trim") && p[0].0.contains("the default true is used"));
    }

    #[test]
    fn a_bad_group_switch_turns_only_that_group_off() {
        let (c, p) = resolve_with(
            "otel.connect.metrics.jvm.enabled=maybe,otel.connect.metrics.sink.enabled=false",
            &[],
            &[],
        );
        let m = c.metrics.unwrap();
        assert!(!m.groups.contains("jvm") && !m.groups.contains("sink") && m.groups.contains("source"));
        assert_eq!(p.len(), 1);
        assert!(p[0].0.contains("metric group jvm is off"));
    }

    #[test]
    fn sdk_disabled_and_exporter_none() {
        let (c, _) = resolve_with("", &[("otel.sdk.disabled", "TRUE")], &[]);
        assert!(c.sdk_disabled);
        let (c, _) = resolve_with("", &[], &[("OTEL_METRICS_EXPORTER", "none")]);
        assert!(c.metrics.is_none() && c.traces_exporter.is_some());
    }

    #[test]
    fn mtls_needs_both_files_and_existing_files() {
        let (c, p) = resolve_with("otel.exporter.otlp.certificate=/nonexistent/ca.pem", &[], &[]);
        assert!(c.metrics_exporter.is_none());
        assert!(p[0].0.contains("PEM"));
        // Removed when dropped, also when an assertion fails.
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let key = dir.join("client.key");
        std::fs::write(&key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").unwrap();
        let (c, p) = resolve_with(&format!("otel.exporter.otlp.client.key={}", key.display()), &[], &[]);
        assert!(c.metrics_exporter.is_none(), "{p:?}");
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].0.contains("together"));
    }

    #[test]
    fn include_patterns_are_validated() {
        let (c, _) = resolve_with(
            "otel.connect.mbeans.include=kafka.connect:type=sink-task-metrics,*;java.lang:*",
            &[],
            &[],
        );
        assert_eq!(c.metrics.unwrap().include.len(), 2);
        let (c, p) = resolve_with("otel.connect.mbeans.include=no-colon-here", &[], &[]);
        assert!(c.metrics.is_none());
        assert!(p[0].0.contains("ObjectName"));
    }

    #[test]
    fn trace_settings_follow_the_spec_defaults_and_keys() {
        let (c, p) = resolve_with("", &[], &[]);
        assert!(p.is_empty());
        let t = c.traces.unwrap();
        assert_eq!(t.sampler, Sampler::ParentAlwaysOn);
        assert_eq!(
            (t.attribute_count_limit, t.event_count_limit, t.link_count_limit),
            (128, 128, 128)
        );
        assert_eq!(t.attribute_value_length_limit, None);
        assert_eq!((t.max_queue_size, t.max_export_batch_size), (2048, 512));
        assert_eq!(t.schedule_delay, Duration::from_secs(5));
        let (c, _) = resolve_with(
            "otel.traces.sampler=parentbased_traceidratio",
            &[("otel.traces.sampler.arg", "0.25")],
            &[
                ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "10"),
                ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100"),
            ],
        );
        let t = c.traces.unwrap();
        assert_eq!(t.sampler, Sampler::ParentRatio(0.25));
        assert_eq!(t.attribute_count_limit, 10);
        assert_eq!(t.attribute_value_length_limit, Some(100));
    }

    #[test]
    fn bad_trace_settings_turn_tracing_off_only() {
        let (c, p) = resolve_with("otel.traces.sampler=sometimes", &[], &[]);
        assert!(c.traces.is_none() && c.metrics.is_some());
        assert!(
            p[0].0.contains("otel.traces.sampler=\"sometimes\"") && p[0].0.contains("traceidratio"),
            "{p:?}"
        );
        let (c, p) = resolve_with("", &[], &[("OTEL_TRACES_SAMPLER_ARG", "2")]);
        assert!(c.traces.is_none());
        assert!(p[0].0.contains("ratio"));
    }

    #[test]
    fn empty_pairs_and_trailing_commas_are_ignored() {
        let (c, p) = resolve_with("otel.metric.export.interval=1000,", &[], &[]);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.metrics.unwrap().interval, Duration::from_millis(1000));
        let (c, p) = resolve_with(",,otel.service.name=x,,", &[], &[]);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.service_name.as_deref(), Some("x"));
        let a = parse_agent_args(" , otel.exporter.otlp.headers=a=1,b=2 ,, otel.service.name=s , ");
        assert_eq!(a.len(), 2, "{a:?}");
        assert_eq!(a["otel.exporter.otlp.headers"], "a=1,b=2");
        assert_eq!(a["otel.service.name"], "s");
        // The last of a repeated key wins, as in the Java loader's reading of the library path.
        assert_eq!(
            parse_agent_args("otel.connect.library.path=/a,otel.connect.library.path=/b,c")
                ["otel.connect.library.path"],
            "/b,c"
        );
    }

    /// A valid value other than the default for every key we read, so that each can be seen to take effect.
    const EVERY_KEY: &[(&str, &str)] = &[
        ("otel.sdk.disabled", "true"),
        ("otel.service.name", "svc"),
        ("otel.resource.attributes", "a=b"),
        ("otel.metrics.exporter", "none"),
        ("otel.traces.exporter", "none"),
        ("otel.logs.exporter", "none"),
        ("otel.metric.export.interval", "1000"),
        ("otel.exporter.otlp.endpoint", "http://c:1234"),
        ("otel.exporter.otlp.protocol", "http/protobuf"),
        ("otel.exporter.otlp.headers", "a=b"),
        ("otel.exporter.otlp.timeout", "99"),
        ("otel.exporter.otlp.compression", "gzip"),
        ("otel.exporter.otlp.metrics.endpoint", "http://c:1234"),
        ("otel.exporter.otlp.metrics.protocol", "http/protobuf"),
        ("otel.exporter.otlp.metrics.headers", "a=b"),
        ("otel.exporter.otlp.metrics.timeout", "99"),
        ("otel.exporter.otlp.metrics.compression", "gzip"),
        ("otel.exporter.otlp.traces.endpoint", "http://c:1234"),
        ("otel.exporter.otlp.traces.protocol", "http/protobuf"),
        ("otel.exporter.otlp.traces.headers", "a=b"),
        ("otel.exporter.otlp.traces.timeout", "99"),
        ("otel.exporter.otlp.traces.compression", "gzip"),
        ("otel.exporter.otlp.logs.endpoint", "http://c:1234"),
        ("otel.exporter.otlp.logs.protocol", "http/protobuf"),
        ("otel.exporter.otlp.logs.headers", "a=b"),
        ("otel.exporter.otlp.logs.timeout", "99"),
        ("otel.exporter.otlp.logs.compression", "gzip"),
        ("otel.traces.sampler", "always_off"),
        ("otel.traces.sampler.arg", "0.5"),
        ("otel.span.attribute.count.limit", "7"),
        ("otel.attribute.count.limit", "7"),
        ("otel.span.event.count.limit", "7"),
        ("otel.span.link.count.limit", "7"),
        ("otel.span.attribute.value.length.limit", "7"),
        ("otel.attribute.value.length.limit", "7"),
        ("otel.bsp.schedule.delay", "7"),
        ("otel.bsp.max.queue.size", "7"),
        ("otel.bsp.max.export.batch.size", "7"),
        ("otel.connect.mbeans.include", "kafka.connect:*"),
        ("otel.connect.mbeans.exclude", "kafka.connect:*"),
        ("otel.connect.worker.config", "/w.properties"),
        ("otel.connect.stall.intervals", "9"),
        ("otel.connect.memory.trim", "false"),
        ("otel.connect.failures.enabled", "false"),
        ("otel.connect.rest.url", "http://w:8083"),
        ("otel.connect.rest.username", "u"),
        ("otel.connect.rest.password", "p"),
        ("otel.connect.rest.ca", "{pem}"),
        ("otel.connect.spans.queue.bytes", "999999999"),
        // Read by the Java loader and by the log, not by this resolution.
        ("otel.connect.library.path", "/lib.so"),
        ("otel.connect.log.level", "debug"),
    ];
    /// TLS files are read here, so they need files that exist: covered by `tls_files_are_read_at_start_up`.
    const FILE_KEYS: &[&str] = &[
        "certificate",
        "client.certificate",
        "client.key",
        "metrics.certificate",
        "traces.client.key",
    ];

    #[test]
    fn every_documented_key_is_read_in_all_three_forms() {
        // Removed when dropped, also when an assertion fails.
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let pem = dir.join("ca.pem");
        std::fs::write(&pem, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap();
        let pem = pem.display().to_string();
        let mut every: Vec<(String, String)> = EVERY_KEY
            .iter()
            .map(|(k, v)| (k.to_string(), v.replace("{pem}", &pem)))
            .collect();
        for g in GROUP_NAMES {
            every.push((format!("otel.connect.metrics.{g}.enabled"), "false".into()));
        }
        // The README's table names no key this test leaves out, and every otel.connect.* key it reads is known.
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/configuration.md")).unwrap();
        let section = readme
            .split("## Configuration")
            .nth(1)
            .unwrap()
            .split("\n## ")
            .next()
            .unwrap();
        let mut documented = 0;
        for row in section.lines().filter(|l| l.starts_with("| `otel.")) {
            let first = row.split(" | ").next().unwrap();
            let names: Vec<&str> = first.split('`').skip(1).step_by(2).collect();
            let base = names[0];
            for name in &names {
                let candidates: Vec<String> = if name.starts_with("otel.") {
                    vec![name.to_string()]
                } else {
                    // `/ .arg` appends to the first name or replaces some of its last parts.
                    let parts: Vec<&str> = base.split('.').collect();
                    (1..=parts.len())
                        .map(|n| format!("{}{name}", parts[..n].join(".")))
                        .collect()
                };
                let expand = |c: &String| -> Vec<String> {
                    if c.contains("<group>") {
                        GROUP_NAMES.iter().map(|g| c.replace("<group>", g)).collect()
                    } else if c.contains('*') {
                        vec![c.replace('*', "endpoint")]
                    } else {
                        vec![c.clone()]
                    }
                };
                let found = candidates
                    .iter()
                    .flat_map(expand)
                    .filter(|k| {
                        every.iter().any(|(e, _)| e == k)
                            || FILE_KEYS.iter().any(|f| *k == format!("otel.exporter.otlp.{f}"))
                    })
                    .count();
                assert!(found > 0, "README row {row:?}: {name} is not in this test's table");
                documented += found;
            }
        }
        assert!(documented >= 40, "{documented}");
        for k in known_connect_keys() {
            assert!(every.iter().any(|(e, _)| *e == k), "{k} is not in this test's table");
        }

        for (key, value) in &every {
            let env = env_name(key);
            // A ratio shows only with a ratio sampler, given as an environment variable (the lowest source).
            let with: &[(&str, &str)] = match key.as_str() {
                "otel.traces.sampler.arg" => &[("OTEL_TRACES_SAMPLER", "traceidratio")],
                _ => &[],
            };
            let default = resolve_with("", &[], with).0;
            let env_too: Vec<(&str, &str)> = with.iter().copied().chain([(env.as_str(), value.as_str())]).collect();
            for (form, (c, p)) in [
                ("agent argument", resolve_with(&format!("{key}={value}"), &[], with)),
                ("system property", resolve_with("", &[(key, value)], with)),
                ("environment", resolve_with("", &[], &env_too)),
            ] {
                assert!(p.is_empty(), "{key} as {form}: {p:?}");
                let elsewhere = ["otel.connect.library.path", "otel.connect.log.level"].contains(&key.as_str());
                let noticed = c != default || elsewhere;
                assert!(noticed, "{key}={value} as {form} changed nothing");
            }
        }
    }

    #[test]
    fn one_bad_exporter_key_is_one_line_naming_what_it_turns_off() {
        for (args, env, off) in [
            (
                "otel.exporter.otlp.protocol=http/json",
                vec![],
                "metrics, traces and logs export are off",
            ),
            (
                "otel.exporter.otlp.timeout=0",
                vec![("OTEL_LOGS_EXPORTER", "none")],
                "metrics and traces export are off",
            ),
            (
                "otel.exporter.otlp.traces.compression=zip",
                vec![],
                "; traces export is off",
            ),
            (
                "otel.exporter.otlp.endpoint=http://c:99999",
                vec![],
                "metrics, traces and logs export are off",
            ),
        ] {
            let (_, p) = resolve_with(args, &[], &env);
            assert_eq!(p.len(), 1, "{args}: {p:?}");
            assert!(p[0].0.ends_with(off), "{args}: {}", p[0].0);
        }
    }

    #[test]
    fn ports_outside_1_to_65535_are_refused() {
        for bad in [
            "http://c:99999",
            "http://c:0",
            "http://c:65536",
            "http://c:-1",
            "http://c:43a7",
            "http://:4317",
            "https://",
            "http://[::1]x",
            "http://u:p@:4317",
        ] {
            let (c, p) = resolve_with(&format!("otel.exporter.otlp.endpoint={bad}"), &[], &[]);
            assert!(c.metrics_exporter.is_none(), "{bad} was accepted");
            assert!(p[0].0.contains("a port from 1 to 65535"), "{}", p[0].0);
        }
        for good in [
            "http://c:65535",
            "http://c:1",
            "https://c",
            "http://[::1]:4317/",
            "http://u:p@c:4317",
        ] {
            let (c, p) = resolve_with(&format!("otel.exporter.otlp.endpoint={good}"), &[], &[]);
            assert!(p.is_empty() && c.metrics_exporter.is_some(), "{good}: {p:?}");
        }
    }

    #[test]
    fn tls_files_are_read_at_start_up_and_named_with_their_key() {
        // Removed when dropped, also when an assertion fails.
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let not_pem = dir.join("ca.txt");
        std::fs::write(&not_pem, "this is not a certificate").unwrap();
        let bad_base64 = dir.join("bad.pem");
        std::fs::write(
            &bad_base64,
            "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        )
        .unwrap();
        let cert = dir.join("ok.pem");
        std::fs::write(&cert, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap();
        let d = dir.display();
        for (args, words) in [
            (format!("otel.exporter.otlp.certificate={d}/ca.txt"), "ca.txt\" (agent argument) is not valid: expected a readable PEM file of certificates: it holds no PEM certificate"),
            (format!("otel.exporter.otlp.certificate={d}/bad.pem"), "it is not valid PEM"),
            (format!("otel.exporter.otlp.certificate={d}/missing.pem"), "cannot read it (No such file or directory)"),
            (format!("otel.exporter.otlp.certificate={d}"), "it is not a regular file"),
            (format!("otel.exporter.otlp.client.certificate={d}/ok.pem,otel.exporter.otlp.client.key={d}/ok.pem"), "otel.exporter.otlp.client.key=<"),
        ] {
            let (c, p) = resolve_with(&args, &[], &[]);
            assert!(c.metrics_exporter.is_none(), "{args}");
            assert_eq!(p.len(), 1, "{args}: {p:?}");
            assert!(p[0].0.contains(words), "{args}: {}", p[0].0);
        }
        let (c, p) = resolve_with(&format!("otel.exporter.otlp.certificate={d}/ok.pem"), &[], &[]);
        assert!(
            p.is_empty() && c.metrics_exporter.unwrap().ca_certificate.is_some(),
            "{p:?}"
        );
    }

    #[test]
    fn urls_and_paths_every_line_names_are_of_a_readable_length() {
        let long_host = format!("http://{}:4317", "h".repeat(3000));
        let (c, p) = resolve_with(&format!("otel.exporter.otlp.endpoint={long_host}"), &[], &[]);
        assert!(c.metrics_exporter.is_none() && p.len() == 1, "{p:?}");
        assert!(
            p[0].0.contains("at most 2048 characters") && p[0].0.len() < 1_000,
            "{}",
            p[0].0
        );
        let (c, p) = resolve_with("", &[], &[("OTEL_CONNECT_WORKER_CONFIG", &"/d".repeat(3000))]);
        assert!(c.worker_config.is_none() && c.metrics.is_some(), "{p:?}");
        assert!(
            p[0].0.contains("at most 4096 bytes") && p[0].0.len() < 1_000,
            "{}",
            p[0].0
        );
    }

    #[test]
    fn rest_url_and_ca_are_checked_where_they_are_used() {
        let (c, p) = resolve_with("otel.connect.rest.url=http://w:80800", &[], &[]);
        assert!(c.failures.is_none() && c.metrics.is_some(), "{p:?}");
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].0.contains("otel.connect.rest.url=\"http://w:80800\"")
                && p[0].0.ends_with("failure log records are off")
        );
        let (c, p) = resolve_with("otel.connect.rest.ca=/nonexistent/ca.pem", &[], &[]);
        assert!(c.failures.is_none(), "{p:?}");
        assert!(p[0].0.contains("otel.connect.rest.ca=\"/nonexistent/ca.pem\"") && p[0].0.contains("cannot read it"));
        // Records off anyway: nothing to say about their settings.
        let (_, p) = resolve_with("otel.connect.rest.url=nope,otel.logs.exporter=none", &[], &[]);
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn long_keys_and_stray_words_are_cut_and_secrets_hidden() {
        let long_key = format!("otel.connect.{}", "k".repeat(50_000));
        let (_, p) = resolve_with(&format!("{long_key}=v"), &[], &[]);
        assert_eq!(p.len(), 1);
        assert!(
            p[0].0.len() < 2_000 && p[0].0.contains("(50013 characters)"),
            "{}",
            &p[0].0[..200]
        );
        let (_, p) = resolve_with(
            &format!("metric.export.interval={},otel.service.name=s", "9".repeat(10_000)),
            &[],
            &[],
        );
        assert_eq!(p.len(), 1);
        assert!(
            p[0].0.len() < 1_000 && p[0].0.contains("agent argument metric.export.interval=\"999"),
            "{}",
            p[0].0
        );
        let (_, p) = resolve_with("password=hunter2,otel.service.name=s", &[], &[]);
        assert!(
            !p[0].0.contains("hunter2") && p[0].0.contains("password=<7 characters, not shown>"),
            "{}",
            p[0].0
        );
        let (_, p) = resolve_with("hunter2token", &[], &[]);
        assert!(!p[0].0.contains("hunter2"), "{}", p[0].0);
    }

    #[test]
    fn header_names_and_values_both_transports_accept() {
        for bad in ["a b=1", "a=\u{7f}", "k=caf%C3%A9", "(x)=1"] {
            let (c, p) = resolve_with(&format!("otel.exporter.otlp.headers={bad}"), &[], &[]);
            assert!(c.metrics_exporter.is_none(), "{bad}");
            assert_eq!(p.len(), 1, "{p:?}");
        }
        let (_, p) = resolve_with("otel.exporter.otlp.headers=Authorization=Bearer%20x,x-k=a!b", &[], &[]);
        assert!(p.is_empty(), "{p:?}");
    }

    #[test]
    fn summary_never_shows_header_values() {
        let (c, _) = resolve_with("otel.exporter.otlp.headers=k=topsecret", &[], &[]);
        let s = summary(&c);
        assert!(!s.contains("topsecret") && s.contains("1 headers"), "{s}");
    }
}
