//! The alerting rules, their promtool unit tests and the Grafana dashboard under `deploy/`.
//!
//! - promtool (built by scripts/build-prometheus.sh, or `PROMTOOL`) accepts the rules and passes their unit tests,
//!   which cover every alert both firing and quiet;
//! - every dashboard panel has a title and queries; queries use only `$job`, `$instance`, `$connector` (as regex
//!   matchers) and `$__rate_interval`, and parse as PromQL;
//! - every metric name in the rules, their test inputs and the dashboard is one the agent exports, as Prometheus
//!   names it: the metric table in docs/metrics.md (generated from src/collect/rules.rs) translated the way Prometheus's OTLP
//!   receiver does by default (otlptranslator, UnderscoreEscapingWithSuffixes).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

const RULES: &str = "deploy/prometheus/connect-otel-alerts.yml";
const RULE_TESTS: &str = "deploy/prometheus/connect-otel-alerts.test.yml";
const DASHBOARD: &str = "deploy/grafana/connect-otel-dashboard.json";

/// Labels the rules and annotations may name that look like metric names: the Prometheus forms of the agent's
/// `kafka.connect.*` attributes (checked against docs/metrics.md below).
const LABELS: &[&str] = &[
    "kafka_connect_connector",
    "kafka_connect_task_id",
    "kafka_connect_connector_type",
    "kafka_connect_task_state",
    "kafka_connect_connector_state",
    "kafka_connect_client_role",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(relative: &str) -> String {
    let path = root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------------------------
// The dashboard, read with serde_json.

fn dashboard() -> Value {
    serde_json::from_str(&read(DASHBOARD)).unwrap_or_else(|e| panic!("{DASHBOARD}: {e}"))
}

/// A dashboard query as a live Prometheus can run it: `$job`, `$instance` and `$connector` become `.+` (they are
/// only used as `=~"$…"` matchers) and `$__rate_interval` becomes `1m`.
fn live(expr: &str) -> String {
    expr.replace("$__rate_interval", "1m")
        .replace("$job", ".+")
        .replace("$instance", ".+")
        .replace("$connector", ".+")
}

/// Every `expr` string anywhere in the dashboard (panels, rows, annotations, …), as [`live`] makes it.
fn every_expr(dashboard: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(fields) => {
                for (key, v) in fields {
                    match (key.as_str(), v) {
                        ("expr", Value::String(e)) => out.push(live(e)),
                        _ => walk(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(dashboard, &mut out);
    out
}

/// The dashboard's panels, rows' nested panels included, rows left out.
fn dashboard_panels(dashboard: &Value) -> Vec<&Value> {
    fn walk<'a>(panels: &'a [Value], out: &mut Vec<&'a Value>) {
        for p in panels {
            if p["type"] == "row" {
                walk(p["panels"].as_array().map_or(&[], Vec::as_slice), out);
            } else {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    let panels = dashboard["panels"].as_array().expect("dashboard panels");
    walk(panels, &mut out);
    out
}

/// (panel title, expr) of every query, in panel order.
fn dashboard_targets(dashboard: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for p in dashboard_panels(dashboard) {
        let title = p["title"].as_str().unwrap_or_default();
        for t in p["targets"].as_array().map_or(&[][..], Vec::as_slice) {
            out.push((title.to_string(), t["expr"].as_str().unwrap_or_default().to_string()));
        }
    }
    out
}

fn dashboard_variables(dashboard: &Value) -> &[Value] {
    dashboard["templating"]["list"].as_array().map_or(&[], Vec::as_slice)
}

fn is_query_variable(variable: &Value) -> bool {
    variable["type"] == "query"
}

// ---------------------------------------------------------------------------------------------------------------
// promtool

fn promtool() -> PathBuf {
    let path = std::env::var_os("PROMTOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".cache/prometheus/bin/promtool"));
    assert!(
        path.is_file(),
        "promtool not found at {}: run scripts/build-prometheus.sh (it builds promtool into .cache/prometheus/bin), or set PROMTOOL",
        path.display()
    );
    path
}

fn run_promtool(args: &[&str], file: &Path) -> String {
    let out = Command::new(promtool())
        .args(args)
        .arg(file)
        .output()
        .expect("run promtool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "promtool {} {} failed:\n{text}",
        args.join(" "),
        file.display()
    );
    text
}

#[test]
fn promtool_accepts_the_rules() {
    let out = run_promtool(&["check", "rules"], &root().join(RULES));
    assert!(out.contains("SUCCESS"), "{out}");
}

#[test]
fn promtool_unit_tests_of_the_rules_pass() {
    let out = run_promtool(&["test", "rules"], &root().join(RULE_TESTS));
    assert!(out.contains("SUCCESS"), "{out}");
}

/// The dashboard's queries, with the variables substituted, as recording rules: promtool parses them as PromQL.
#[test]
fn dashboard_queries_are_valid_promql() {
    let queries = every_expr(&dashboard());
    let mut rules = String::from("groups:\n  - name: dashboard-queries\n    rules:\n");
    for (n, q) in queries.iter().enumerate() {
        assert!(!q.contains('\n'), "one line per query: {q}");
        rules.push_str(&format!(
            "      - record: dashboard:query_{n}\n        expr: '{}'\n",
            q.replace('\'', "''")
        ));
    }
    let mut file = tempfile::Builder::new()
        .prefix("connect-otel-dashboard-queries-")
        .suffix(".yml")
        .tempfile()
        .unwrap();
    file.write_all(rules.as_bytes()).unwrap();
    let out = run_promtool(&["check", "rules"], file.path());
    assert!(
        out.contains(&format!("SUCCESS: {} rules found", queries.len())),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------------------------------
// The rules and their unit tests, read with serde_yaml_ng.

/// A rule as Prometheus reads it (it refuses other fields too).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    alert: Option<String>,
    record: Option<String>,
    expr: String,
    #[serde(rename = "for")]
    for_: Option<String>,
    #[serde(rename = "keep_firing_for")]
    _keep_firing_for: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RuleGroup {
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct RuleFile {
    groups: Vec<RuleGroup>,
}

/// Every alerting rule of [`RULES`] with its name; the file holds no other kind of rule.
fn alerts() -> Vec<(String, Rule)> {
    let file: RuleFile = serde_yaml_ng::from_str(&read(RULES)).unwrap_or_else(|e| panic!("{RULES}: {e}"));
    file.groups
        .into_iter()
        .flat_map(|g| g.rules)
        .map(|rule| match (&rule.alert, &rule.record) {
            (Some(name), None) => (name.clone(), rule),
            _ => panic!("{RULES} holds only alerting rules: {rule:?}"),
        })
        .collect()
}

/// promtool's unit test file, the parts checked here.
#[derive(Deserialize)]
struct RuleTests {
    tests: Vec<RuleTest>,
}

#[derive(Deserialize)]
struct RuleTest {
    #[serde(default)]
    input_series: Vec<InputSeries>,
    #[serde(default)]
    alert_rule_test: Vec<AlertTest>,
}

#[derive(Deserialize)]
struct InputSeries {
    series: String,
}

#[derive(Deserialize)]
struct AlertTest {
    alertname: String,
    /// `[]` for a test where the alert stays quiet.
    exp_alerts: Option<Vec<serde_yaml_ng::Value>>,
}

fn rule_tests() -> RuleTests {
    serde_yaml_ng::from_str(&read(RULE_TESTS)).unwrap_or_else(|e| panic!("{RULE_TESTS}: {e}"))
}

#[test]
fn every_alert_has_severity_for_summary_and_what_to_check_first() {
    let alerts = alerts();
    assert!(alerts.len() >= 9, "{} alerts", alerts.len());
    for (name, rule) in &alerts {
        let severity = rule.labels.get("severity").map(String::as_str);
        assert!(
            severity.is_some_and(|s| ["critical", "warning"].contains(&s)),
            "{name}: severity {severity:?}"
        );
        assert!(rule.for_.is_some(), "{name}: an explicit `for`");
        assert!(!rule.expr.trim().is_empty(), "{name}: an expr");
        let summary = rule.annotations.get("summary");
        assert!(
            summary.is_some_and(|s| s.contains("{{ $labels.")),
            "{name}: summary {summary:?}"
        );
        assert!(
            rule.annotations
                .get("description")
                .is_some_and(|d| d.contains("Check first")),
            "{name}: the description says what to check first"
        );
    }
    let task_failed = &alerts
        .iter()
        .find(|(n, _)| n == "KafkaConnectTaskFailed")
        .expect("KafkaConnectTaskFailed")
        .1;
    assert_eq!(
        task_failed.for_.as_deref(),
        Some("0s"),
        "a failed task alerts within two 5 s evaluations"
    );
}

#[test]
fn every_alert_has_unit_tests_firing_and_quiet() {
    let names: BTreeSet<String> = alerts().into_iter().map(|(n, _)| n).collect();
    let (mut firing, mut quiet) = (BTreeSet::new(), BTreeSet::new());
    for test in rule_tests().tests {
        for t in test.alert_rule_test {
            let name = t.alertname;
            assert!(names.contains(&name), "{RULE_TESTS} tests an unknown alert {name}");
            let expected = t.exp_alerts.unwrap_or_else(|| panic!("{name}: no exp_alerts"));
            if expected.is_empty() {
                quiet.insert(name);
            } else {
                firing.insert(name);
            }
        }
    }
    for name in &names {
        assert!(firing.contains(name), "no unit test where {name} fires");
        assert!(quiet.contains(name), "no unit test where {name} stays quiet");
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Metric names.

#[derive(Clone, Copy, Debug, PartialEq)]
enum OtlpKind {
    Gauge,
    /// A monotonic cumulative sum (OTel counter).
    Counter,
    /// A non-monotonic sum (OTel up-down counter).
    UpDownCounter,
}

/// The name Prometheus stores for an OTLP metric with its default translation (UnderscoreEscapingWithSuffixes): a
/// port of `normalizeName` from github.com/prometheus/otlptranslator v1.0.0 (metric_namer.go, unit_namer.go),
/// which Prometheus 3.16 uses.
fn prometheus_name(name: &str, unit: &str, kind: OtlpKind) -> String {
    fn unit_word(u: &str) -> &str {
        match u {
            "d" => "days",
            "h" => "hours",
            "min" => "minutes",
            "s" => "seconds",
            "ms" => "milliseconds",
            "us" => "microseconds",
            "ns" => "nanoseconds",
            "By" => "bytes",
            "KiBy" => "kibibytes",
            "MiBy" => "mebibytes",
            "GiBy" => "gibibytes",
            "TiBy" => "tibibytes",
            "KBy" => "kilobytes",
            "MBy" => "megabytes",
            "GBy" => "gigabytes",
            "TBy" => "terabytes",
            "m" => "meters",
            "V" => "volts",
            "A" => "amperes",
            "J" => "joules",
            "W" => "watts",
            "g" => "grams",
            "Cel" => "celsius",
            "Hz" => "hertz",
            "1" => "",
            "%" => "percent",
            other => other,
        }
    }
    fn per_word(u: &str) -> &str {
        match u {
            "s" => "second",
            "m" => "minute",
            "h" => "hour",
            "d" => "day",
            "w" => "week",
            "mo" => "month",
            "y" => "year",
            other => other,
        }
    }
    fn valid(c: char) -> bool {
        c.is_ascii_alphanumeric() || c == ':'
    }
    // Invalid characters become `_`, runs of `_` collapse, a leading `_` goes.
    fn clean(u: &str) -> String {
        let mapped: String = u.chars().map(|c| if valid(c) { c } else { '_' }).collect();
        let mut collapsed = String::new();
        for c in mapped.chars() {
            if !(c == '_' && collapsed.ends_with('_')) {
                collapsed.push(c);
            }
        }
        collapsed.trim_start_matches('_').to_string()
    }
    let mut tokens: Vec<String> = name
        .split(|c: char| !valid(c))
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    let (main_part, per_part) = match unit.split_once('/') {
        Some((m, p)) => (m, Some(p)),
        None => (unit, None),
    };
    let main_part = main_part.trim();
    let mut main = if !main_part.is_empty() && !main_part.contains(['{', '}']) {
        clean(unit_word(main_part))
    } else {
        String::new()
    };
    let mut per = String::new();
    if let Some(p) = per_part
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.contains(['{', '}']))
    {
        let word = per_word(p);
        if !word.is_empty() {
            per = clean(&format!("per_{word}"));
        }
    }
    // addUnitTokens: a unit already among the name's tokens is not added again.
    if tokens.contains(&main) {
        main.clear();
    }
    if per == "per_" {
        per.clear();
    } else {
        per = per.trim_end_matches('_').to_string();
        if tokens.contains(&per) {
            per.clear();
        }
    }
    if !per.is_empty() {
        main = main.trim_end_matches('_').to_string();
    }
    if !main.is_empty() {
        tokens.push(main);
    }
    if !per.is_empty() {
        tokens.push(per);
    }
    if kind == OtlpKind::Counter {
        tokens.retain(|t| t != "total");
        tokens.push("total".into());
    }
    if unit == "1" && kind == OtlpKind::Gauge {
        tokens.retain(|t| t != "ratio");
        tokens.push("ratio".into());
    }
    let joined = tokens.join("_");
    if joined.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{joined}")
    } else {
        joined
    }
}

#[test]
fn prometheus_names_follow_otlptranslator() {
    use OtlpKind::*;
    for (name, unit, kind, expected) in [
        // otlptranslator's own examples
        ("requests", "", Counter, "requests_total"),
        ("http.server.duration", "s", Gauge, "http_server_duration_seconds"),
        ("memory.usage", "By", Gauge, "memory_usage_bytes"),
        ("requests.count", "1", Counter, "requests_count_total"),
        // the agent's
        ("kafka.connect.task.health", "", Gauge, "kafka_connect_task_health"),
        (
            "kafka.connect.task.health",
            "1",
            Gauge,
            "kafka_connect_task_health_ratio",
        ),
        (
            "kafka.connect.connector.status",
            "1",
            UpDownCounter,
            "kafka_connect_connector_status",
        ),
        (
            "kafka.connect.connector.task.running_ratio",
            "1",
            Gauge,
            "kafka_connect_connector_task_running_ratio",
        ),
        (
            "kafka.connect.sink.offset_commit_success_percentage",
            "%",
            Gauge,
            "kafka_connect_sink_offset_commit_success_percentage_percent",
        ),
        (
            "kafka.connect.source.source_record_poll_rate",
            "{record}/s",
            Gauge,
            "kafka_connect_source_source_record_poll_rate_per_second",
        ),
        (
            "kafka.connect.worker.rebalance_avg_time_ms",
            "ms",
            Gauge,
            "kafka_connect_worker_rebalance_avg_time_ms_milliseconds",
        ),
        (
            "kafka.connect.coordinator.last_heartbeat_seconds_ago",
            "s",
            Gauge,
            "kafka_connect_coordinator_last_heartbeat_seconds_ago",
        ),
        (
            "kafka.connect.coordinator.rebalance_rate_per_hour",
            "{rebalance}/h",
            Gauge,
            "kafka_connect_coordinator_rebalance_rate_per_hour_per_hour",
        ),
        (
            "kafka.connect.network.incoming_byte_rate",
            "By/s",
            Gauge,
            "kafka_connect_network_incoming_byte_rate_bytes_per_second",
        ),
        (
            "kafka.connect.worker.rebalance_completed_total",
            "{rebalance}",
            Counter,
            "kafka_connect_worker_rebalance_completed_total",
        ),
        (
            "kafka.connect.task_error.total_record_failures",
            "{failure}",
            Counter,
            "kafka_connect_task_error_record_failures_total",
        ),
        (
            "kafka.connect.coordinator.rebalance_latency_total",
            "ms",
            Counter,
            "kafka_connect_coordinator_rebalance_latency_milliseconds_total",
        ),
        (
            "kafka.connect.worker.connector_total_task_count",
            "{task}",
            Gauge,
            "kafka_connect_worker_connector_total_task_count",
        ),
        (
            "kafka.connect.producer.buffer_available_bytes",
            "By",
            Gauge,
            "kafka_connect_producer_buffer_available_bytes",
        ),
        ("jvm.memory.used", "By", UpDownCounter, "jvm_memory_used_bytes"),
        ("jvm.cpu.time", "s", Counter, "jvm_cpu_time_seconds_total"),
        (
            "jvm.cpu.recent_utilization",
            "1",
            Gauge,
            "jvm_cpu_recent_utilization_ratio",
        ),
        (
            "connect_otel.read.errors",
            "{error}",
            Counter,
            "connect_otel_read_errors_total",
        ),
        (
            "connect_otel.collection.duration",
            "s",
            Gauge,
            "connect_otel_collection_duration_seconds",
        ),
    ] {
        assert_eq!(prometheus_name(name, unit, kind), expected, "{name} [{unit}] {kind:?}");
    }
}

/// The metric table (docs/metrics.md) (`| name | instrument | unit | … |`) as (OTel name, kind, unit).
fn readme_metrics() -> Vec<(String, OtlpKind, String)> {
    let readme = read("docs/metrics.md");
    let begin = "<!-- metric-table:begin -->";
    let start = readme.find(begin).expect("metric table (docs/metrics.md) begin marker") + begin.len();
    let stop = readme
        .find("<!-- metric-table:end -->")
        .expect("metric table (docs/metrics.md) end marker");
    let mut out = Vec::new();
    for line in readme[start..stop].lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`').to_string();
        let instrument = cells[2];
        let kind = if instrument.starts_with("updowncounter") {
            OtlpKind::UpDownCounter
        } else if instrument.starts_with("counter") {
            OtlpKind::Counter
        } else if instrument.starts_with("gauge") {
            OtlpKind::Gauge
        } else {
            panic!("metric table (docs/metrics.md): unknown instrument {instrument:?} for {name}");
        };
        out.push((name, kind, cells[3].trim_matches('`').to_string()));
    }
    out
}

/// Every metric name Prometheus stores for the agent's metrics.
fn exported_names() -> BTreeSet<String> {
    let metrics = readme_metrics();
    assert!(
        metrics.len() > 100,
        "metric table (docs/metrics.md): {} rows",
        metrics.len()
    );
    metrics
        .iter()
        .map(|(name, kind, unit)| prometheus_name(name, unit, *kind))
        .collect()
}

fn is_ours(ident: &str) -> bool {
    ["kafka_connect_", "connect_otel_", "jvm_"]
        .iter()
        .any(|p| ident.starts_with(p))
}

/// A metric an expression selects, with its label matchers (the text between the braces) if any.
#[derive(Debug)]
struct Selector {
    metric: String,
    matchers: Option<String>,
}

/// The metric names (with our prefixes) a PromQL expression selects: identifiers outside strings, label matchers
/// (`{…}`) and label lists (`by (…)`, `without`, `on`, `ignoring`, `group_left`, `group_right`), not followed by `(`.
fn selectors(expr: &str) -> Vec<Selector> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut braces = 0;
    let mut parens: Vec<bool> = Vec::new(); // true: a label list
    let mut previous_ident = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += if chars[i] == '\\' && c != '`' { 2 } else { 1 };
            }
            i += 1;
            previous_ident.clear();
            continue;
        }
        if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            previous_ident.clear();
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' || c == ':' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':') {
                i += 1;
            }
            let ident: String = chars[start..i].iter().collect();
            let in_label_list = parens.last().copied().unwrap_or(false);
            let preceded_by_dollar = start > 0 && chars[start - 1] == '$';
            if braces == 0 && !in_label_list && !preceded_by_dollar && is_ours(&ident) {
                let mut j = i;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                if chars.get(j) != Some(&'(') {
                    let matchers = (chars.get(j) == Some(&'{')).then(|| {
                        let end = chars[j..].iter().position(|&c| c == '}').map_or(chars.len(), |p| j + p);
                        chars[j + 1..end].iter().collect::<String>()
                    });
                    out.push(Selector {
                        metric: ident.clone(),
                        matchers,
                    });
                }
            }
            previous_ident = ident;
            continue;
        }
        match c {
            '{' => braces += 1,
            '}' => braces -= 1,
            '(' => parens.push(
                braces == 0
                    && ["by", "without", "on", "ignoring", "group_left", "group_right"]
                        .contains(&previous_ident.as_str()),
            ),
            ')' => {
                parens.pop();
            }
            _ => {}
        }
        if !c.is_whitespace() {
            previous_ident.clear();
        }
        i += 1;
    }
    out
}

#[test]
fn the_selector_scanner_skips_labels_strings_and_functions() {
    let found: Vec<String> = selectors(
        r#"sum by (kafka_connect_connector) (rate(kafka_connect_sink_sink_record_read_total{kafka_connect_connector=~"$connector"}[$__rate_interval]))
           or on (instance) group_left(kafka_connect_task_id) jvm_memory_used_bytes # kafka_connect_in_a_comment
           unless label_replace(connect_otel_series, "kafka_connect_x", "$1", "instance", "(.*)")"#,
    )
    .into_iter()
    .map(|s| s.metric)
    .collect();
    assert_eq!(
        found,
        [
            "kafka_connect_sink_sink_record_read_total",
            "jvm_memory_used_bytes",
            "connect_otel_series"
        ]
    );
}

/// Tokens with our prefixes in free text (annotations): identifiers, `$labels.x` included.
fn prefixed_words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| is_ours(w))
        .map(String::from)
        .collect()
}

/// The metric part of a Grafana variable query: `label_values(metric{…}, label)` → `metric{…}`.
fn variable_query_selector(query: &str) -> &str {
    let inner = query
        .trim()
        .strip_prefix("label_values(")
        .and_then(|q| q.strip_suffix(')'))
        .unwrap_or_else(|| panic!("variable query {query:?}: expected label_values(metric, label)"));
    inner.rsplit_once(',').map_or(inner, |(metric, _label)| metric)
}

#[test]
fn every_metric_name_is_one_the_agent_exports() {
    let exported = exported_names();
    let readme = read("docs/metrics.md");
    for label in LABELS {
        assert!(
            readme.contains(&format!("`{}`", label.replace('_', "."))),
            "{label}: no attribute `{}` in docs/metrics.md",
            label.replace('_', ".")
        );
    }
    let mut used: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for (_, rule) in alerts() {
        for s in selectors(&rule.expr) {
            used.entry(s.metric).or_default().insert(RULES);
        }
        for text in rule.annotations.values() {
            for word in prefixed_words(text) {
                if !LABELS.contains(&word.as_str()) {
                    used.entry(word).or_default().insert("annotations of the rules");
                }
            }
        }
    }
    for series in rule_tests().tests.iter().flat_map(|t| &t.input_series) {
        let found = selectors(&series.series);
        assert_eq!(found.len(), 1, "test series {}", series.series);
        used.entry(found[0].metric.clone()).or_default().insert(RULE_TESTS);
    }
    let dashboard = dashboard();
    for (_, expr) in dashboard_targets(&dashboard) {
        for s in selectors(&expr) {
            used.entry(s.metric).or_default().insert(DASHBOARD);
        }
    }
    for variable in dashboard_variables(&dashboard) {
        if let Some(query) = variable["query"].as_str().filter(|_| is_query_variable(variable)) {
            for s in selectors(variable_query_selector(query)) {
                used.entry(s.metric).or_default().insert("dashboard variables");
            }
        }
    }
    assert!(used.len() >= 20, "only {} metric names found: {used:?}", used.len());
    let unknown: Vec<String> = used
        .iter()
        .filter(|(name, _)| !exported.contains(*name))
        .map(|(name, files)| format!("{name} (in {})", files.iter().copied().collect::<Vec<_>>().join(", ")))
        .collect();
    assert!(
        unknown.is_empty(),
        "metric names the agent does not export (per the metric table (docs/metrics.md), translated as Prometheus does):\n  {}",
        unknown.join("\n  ")
    );
}

#[test]
fn every_panel_has_a_title_and_queries_from_the_datasource_variable() {
    let dashboard = dashboard();
    let panels = dashboard_panels(&dashboard);
    assert!(panels.len() >= 15, "{} panels", panels.len());
    let mut titles = BTreeSet::new();
    for p in &panels {
        let title = p["title"].as_str().unwrap_or_default();
        assert!(!title.trim().is_empty(), "a panel without a title: {p}");
        assert!(titles.insert(title), "two panels titled {title:?}");
        let targets = p["targets"].as_array().map_or(&[][..], Vec::as_slice);
        assert!(!targets.is_empty(), "panel {title:?} has no query");
        for t in targets {
            let expr = t["expr"].as_str().unwrap_or_default();
            assert!(!expr.trim().is_empty(), "panel {title:?}: a query without expr");
        }
        let uid = p["datasource"]["uid"].as_str();
        assert_eq!(uid, Some("${datasource}"), "panel {title:?} datasource");
    }
    // Every query in the file is a panel's (so the PromQL check above and the end-to-end run cover them all).
    let everywhere = every_expr(&dashboard);
    let of_panels: Vec<String> = dashboard_targets(&dashboard)
        .into_iter()
        .map(|(_, e)| live(&e))
        .collect();
    assert_eq!(everywhere, of_panels);
    assert!(everywhere.iter().all(|q| !q.contains('$')), "{everywhere:?}");
    for (key, expected) in [("schemaVersion", 39.0)] {
        match dashboard[key].as_f64() {
            Some(n) => assert!(n >= expected, "{key} {n}"),
            None => panic!("{key}: {}", dashboard[key]),
        }
    }
}

#[test]
fn dashboard_variables_are_datasource_job_instance_and_connector() {
    let dashboard = dashboard();
    let variables = dashboard_variables(&dashboard);
    let names: Vec<&str> = variables.iter().filter_map(|v| v["name"].as_str()).collect();
    assert_eq!(names, ["datasource", "job", "instance", "connector"]);
    assert_eq!(
        variables[0]["query"].as_str(),
        Some("prometheus"),
        "a Prometheus datasource variable"
    );
    for (v, metric, label) in [
        (&variables[1], "kafka_connect_worker_connector_count", "job"),
        (&variables[2], "kafka_connect_worker_connector_count", "instance"),
        (
            &variables[3],
            "kafka_connect_connector_health",
            "kafka_connect_connector",
        ),
    ] {
        let query = v["query"].as_str().unwrap_or_default();
        assert!(
            query.starts_with(&format!("label_values({metric}")) && query.ends_with(&format!(", {label})")),
            "{query}"
        );
        assert_eq!(v["includeAll"].as_bool(), Some(true), "{query}: includeAll");
        assert_eq!(v["allValue"].as_str(), Some(".+"), "{query}: All is .+");
    }
}

/// Queries use only `$job`, `$instance`, `$connector`, each as the regex matcher of its label, and
/// `$__rate_interval` as a range; every selector filters on job and instance.
#[test]
fn dashboard_queries_use_only_the_allowed_variables() {
    let dashboard = dashboard();
    let allowed = [
        ("job", "job=~\"$job\""),
        ("instance", "instance=~\"$instance\""),
        ("connector", "kafka_connect_connector=~\"$connector\""),
        ("__rate_interval", "[$__rate_interval]"),
    ];
    for (title, expr) in dashboard_targets(&dashboard) {
        assert!(!expr.contains("${"), "{title}: {expr}");
        let mut rest = expr.as_str();
        while let Some(at) = rest.find('$') {
            let name: String = rest[at + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let (_, form) = allowed.iter().find(|(n, _)| *n == name).unwrap_or_else(|| {
                panic!("panel {title:?} uses ${name}: only $job, $instance, $connector and $__rate_interval")
            });
            let var = format!("${name}");
            let var_at = form.find(&var).unwrap();
            let start = expr.len() - rest.len() + at;
            assert!(
                start >= var_at && expr[start - var_at..].starts_with(form),
                "panel {title:?}: ${name} must appear as {form}: {expr}"
            );
            rest = &rest[at + 1..];
        }
        for s in selectors(&expr) {
            let m = s.matchers.as_deref().unwrap_or_default();
            assert!(
                m.contains("job=~\"$job\"") && m.contains("instance=~\"$instance\""),
                "panel {title:?}: {} is not filtered by $job and $instance: {expr}",
                s.metric
            );
        }
    }
}
