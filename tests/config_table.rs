//! The bad-configuration table: each case is a real JVM running the fixture with the agent, given one bad
//! (or tricky) configuration through an agent argument, a system property or the environment. Each asserts
//! that the program exits 0 and promptly, that the agent prints exactly the expected number of
//! `connect-otel:` lines, that each expected line is there with the words that name the problem, and that no
//! secret (every secret in the table is spelt `Secret…`) appears in any line.
//!
//! How the cases are split: a JVM reads its configuration once, at start, so each case costs one JVM (about
//! a second and a half here). The cases here are those whose point is what the running agent prints and does:
//! how the Java loader and the library read the same arguments, which lines appear and how many, what stays
//! on. Value-by-value rules — every documented key in all three forms, each URL form, port bounds, header
//! characters, PEM contents, long keys — are unit tests of `src/config.rs`, where a case costs microseconds.
//! The cases run on two threads (the machine's cores); the test prints its wall time.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use support::{JvmBuilder, Receiver};

/// One JVM run. `{grpc}` and `{http}` in any string become the receiver's endpoints, `{dir}` the directory
/// of prepared files (`ca.txt`: not PEM; `bad.pem`: PEM that does not decode; `ok.pem`: a PEM certificate and
/// a PEM private key).
struct Case {
    name: &'static str,
    args: &'static str,
    props: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    /// Each expected `connect-otel:` line, as words it contains; there are exactly this many lines.
    lines: &'static [&'static [&'static str]],
    /// Words no line may contain (besides every `Secret`).
    absent: &'static [&'static str],
    /// A resource attribute the receiver must see (the value really took effect).
    resource: Option<(&'static str, &'static str)>,
}

const STARTED: &[&str] = &["connect-otel: info: started"];
const ALL_OFF: &str = "; metrics, traces and logs export are off";

const fn case(name: &'static str, args: &'static str, lines: &'static [&'static [&'static str]]) -> Case {
    Case {
        name,
        args,
        props: &[],
        env: &[],
        lines,
        absent: &[],
        resource: None,
    }
}

const fn with_env(mut c: Case, env: &'static [(&'static str, &'static str)]) -> Case {
    c.env = env;
    c
}

const fn with_props(mut c: Case, props: &'static [&'static str]) -> Case {
    c.props = props;
    c
}

const fn without(mut c: Case, absent: &'static [&'static str]) -> Case {
    c.absent = absent;
    c
}

const CASES: &[Case] = &[
    // --- Arguments: one reading, in Java and in the library ---
    case(
        "trailing comma after a number",
        "otel.metric.export.interval=1000,",
        &[&["started", "metrics: every 1000 ms"]],
    ),
    Case {
        resource: Some(("service.name", "x")),
        ..case("empty pairs around a pair", ",,otel.service.name=x,,", &[STARTED])
    },
    case(
        "trailing comma after a header list",
        "otel.exporter.otlp.headers=a=Secret1,b=2,",
        &[&["started", "(2 headers)"]],
    ),
    case("nothing but commas", " , ,, ", &[STARTED]),
    without(
        with_env(
            case("hyphenated group switch in the environment", "", &[STARTED]),
            &[("OTEL_CONNECT_METRICS_TASK_ERROR_ENABLED", "false")],
        ),
        &["task-error", "unknown key"],
    ),
    without(
        with_env(
            case("app-info switch in the environment", "", &[STARTED]),
            &[("OTEL_CONNECT_METRICS_APP_INFO_ENABLED", "false")],
        ),
        &["app-info", "unknown key"],
    ),
    without(
        with_props(
            case("hyphenated group switch as a system property", "", &[STARTED]),
            &["-Dotel.connect.metrics.task-error.enabled=false"],
        ),
        &["task-error"],
    ),
    without(
        case(
            "hyphenated group switch as an agent argument",
            "otel.connect.metrics.app-info.enabled=false,otel.connect.metrics.jvm.enabled=FALSE",
            &[STARTED],
        ),
        &["app-info", ",jvm"],
    ),
    case(
        "library path with a comma in it",
        "otel.connect.library.path=/nonexistent/a,b/libconnect_otel.so",
        &[&["connect-otel: disabled:", "/nonexistent/a,b/libconnect_otel.so", "does not exist"]],
    ),
    without(
        case(
            "library path with a trailing comma",
            "otel.connect.library.path=/nonexistent/lib.so,",
            &[&["connect-otel: disabled:", "/nonexistent/lib.so (from otel.connect.library.path) does not exist"]],
        ),
        &["lib.so,"],
    ),
    without(
        case(
            "library path given twice: the last wins",
            "otel.connect.library.path=/nonexistent/first.so,otel.connect.library.path=/nonexistent/second.so",
            &[&["connect-otel: disabled:", "/nonexistent/second.so"]],
        ),
        &["first.so"],
    ),
    with_env(
        case(
            "library path from the environment",
            "",
            &[&["connect-otel: disabled:", "/nonexistent/env.so"]],
        ),
        &[("OTEL_CONNECT_LIBRARY_PATH", " /nonexistent/env.so ")],
    ),
    with_props(
        case(
            "library path as a system property loses to the agent argument",
            "otel.connect.library.path=/nonexistent/arg.so",
            &[&["connect-otel: disabled:", "/nonexistent/arg.so"]],
        ),
        &["-Dotel.connect.library.path=/nonexistent/prop.so"],
    ),
    case(
        "a word before any pair",
        "metric.export.interval=1000,otel.service.name=s",
        &[
            &[
                "error: configuration: agent argument metric.export.interval=\"1000\"",
                "not a key=value pair",
            ],
            STARTED,
        ],
    ),
    case(
        "a secret-looking word before any pair",
        "password=Secret2,otel.service.name=s",
        &[&["agent argument password=<7 characters, not shown>"], STARTED],
    ),
    case(
        "a misspelt secret key",
        "otel.connect.rest.pasword=Secret3",
        &[&["unknown key otel.connect.rest.pasword=<7 characters, not shown>", "ignored"], STARTED],
    ),
    with_env(
        case(
            "an unknown key from the environment",
            "",
            &[&["unknown key otel.connect.foo=\"1\" (environment)"], STARTED],
        ),
        &[("OTEL_CONNECT_FOO", "1")],
    ),
    // --- One bad exporter key: one line, naming the signals it turns off ---
    case(
        "bad protocol",
        "otel.exporter.otlp.protocol=http/json",
        &[&["otel.exporter.otlp.protocol=\"http/json\" (agent argument)", "grpc or http/protobuf", ALL_OFF]],
    ),
    with_env(
        case(
            "bad protocol from the environment",
            "",
            &[&["\"http/json\" (environment)", ALL_OFF]],
        ),
        &[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")],
    ),
    with_props(
        case(
            "bad protocol as a system property",
            "",
            &[&["\"grpcc\" (system property)", ALL_OFF]],
        ),
        &["-Dotel.exporter.otlp.protocol=grpcc"],
    ),
    with_env(
        case(
            "endpoint without a scheme",
            "",
            &[&["otel.exporter.otlp.endpoint=\"collector:4317\"", "http:// or https://", ALL_OFF]],
        ),
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317")],
    ),
    case(
        "port 99999",
        "otel.exporter.otlp.endpoint=http://127.0.0.1:99999",
        &[&["\"http://127.0.0.1:99999\"", "a port from 1 to 65535", ALL_OFF]],
    ),
    case(
        "port 0",
        "otel.exporter.otlp.endpoint=http://127.0.0.1:0",
        &[&["\"http://127.0.0.1:0\"", "a port from 1 to 65535", ALL_OFF]],
    ),
    case(
        "port 65536 on the HTTP form",
        "otel.exporter.otlp.protocol=http/protobuf,otel.exporter.otlp.endpoint=http://c:65536",
        &[&["\"http://c:65536\"", "a port from 1 to 65535", ALL_OFF]],
    ),
    case(
        "an endpoint without a host",
        "otel.exporter.otlp.endpoint=http://:4317",
        &[&["\"http://:4317\"", "with a host", ALL_OFF]],
    ),
    case(
        "an ftp endpoint with a password",
        "otel.exporter.otlp.endpoint=ftp://u:Secret4@h:21",
        &[&["otel.exporter.otlp.endpoint=\"ftp://***@h:21\"", ALL_OFF]],
    ),
    case(
        "an endpoint that is only a scheme",
        "otel.exporter.otlp.endpoint=https://",
        &[&["\"https://\"", ALL_OFF]],
    ),
    with_env(
        case(
            "an endpoint of 3,000 characters",
            "",
            &[&["otel.exporter.otlp.endpoint=\"http://hhhh", "characters)", "at most 2048 characters", ALL_OFF]],
        ),
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://{long3000}:4317")],
    ),
    case(
        "timeout 0",
        "otel.exporter.otlp.timeout=0",
        &[&["otel.exporter.otlp.timeout=\"0\"", "at least 1", ALL_OFF]],
    ),
    with_env(
        case(
            "timeout in words",
            "",
            &[&["otel.exporter.otlp.timeout=\"soon\" (environment)", ALL_OFF]],
        ),
        &[("OTEL_EXPORTER_OTLP_TIMEOUT", "soon")],
    ),
    case(
        "compression zip",
        "otel.exporter.otlp.compression=zip",
        &[&["otel.exporter.otlp.compression=\"zip\"", "gzip or none", ALL_OFF]],
    ),
    case(
        "headers that are not pairs",
        "otel.exporter.otlp.headers=Secret5",
        &[&["otel.exporter.otlp.headers (agent argument) is not valid", "(value not shown)", ALL_OFF]],
    ),
    case(
        "a header name with a space",
        "otel.exporter.otlp.headers=x api=Secret6",
        &[&["otel.exporter.otlp.headers", "names of letters", ALL_OFF]],
    ),
    with_env(
        case(
            "a header value that is not ASCII",
            "",
            &[&["otel.exporter.otlp.traces.headers (environment)", "printable ASCII", "; traces export is off"], STARTED],
        ),
        &[("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "k=Secret7%0A")],
    ),
    case(
        "the generic key bad and logs off",
        "otel.exporter.otlp.timeout=-1,otel.logs.exporter=none",
        &[&["otel.exporter.otlp.timeout=\"-1\"", "; metrics and traces export are off"]],
    ),
    case(
        "metrics exporter prometheus",
        "otel.metrics.exporter=prometheus",
        &[&["otel.metrics.exporter=\"prometheus\"", "otlp or none", "; metrics export is off"], &["started", "metrics: off"]],
    ),
    case(
        "traces exporter jaeger",
        "otel.traces.exporter=jaeger",
        &[&["otel.traces.exporter=\"jaeger\"", "; traces export is off"], &["started", "traces exporter: off"]],
    ),
    case(
        "logs exporter console",
        "otel.logs.exporter=console",
        &[&["otel.logs.exporter=\"console\"", "; logs export is off"], &["started", "failure log records: off"]],
    ),
    case(
        "a bad metrics endpoint",
        "otel.exporter.otlp.metrics.endpoint=localhost:4317",
        &[&["otel.exporter.otlp.metrics.endpoint=\"localhost:4317\"", "; metrics export is off"], &["started", "metrics: off"]],
    ),
    case(
        "a bad traces protocol",
        "otel.exporter.otlp.traces.protocol=thrift",
        &[&["otel.exporter.otlp.traces.protocol=\"thrift\"", "; traces export is off"], STARTED],
    ),
    with_env(
        case(
            "a bad logs timeout from the environment",
            "",
            &[&["otel.exporter.otlp.logs.timeout=\"5s\" (environment)", "; logs export is off"], STARTED],
        ),
        &[("OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "5s")],
    ),
    // --- TLS files: named with their key at start-up ---
    case(
        "a CA file that is not PEM",
        "otel.exporter.otlp.endpoint=https://127.0.0.1:4317,otel.exporter.otlp.certificate={dir}/ca.txt",
        &[&["otel.exporter.otlp.certificate=", "ca.txt", "holds no PEM certificate", ALL_OFF]],
    ),
    case(
        "a CA file that does not exist",
        "otel.exporter.otlp.certificate={dir}/missing.pem",
        &[&["otel.exporter.otlp.certificate=", "missing.pem", "cannot read it (No such file or directory)", ALL_OFF]],
    ),
    case(
        "a CA path that is a directory",
        "otel.exporter.otlp.certificate={dir}",
        &[&["otel.exporter.otlp.certificate=", "it is not a regular file", ALL_OFF]],
    ),
    case(
        "a CA file whose PEM does not decode",
        "otel.exporter.otlp.certificate={dir}/bad.pem",
        &[&["otel.exporter.otlp.certificate=", "bad.pem", "it is not valid PEM", ALL_OFF]],
    ),
    case(
        "a client certificate without its key",
        "otel.exporter.otlp.client.certificate={dir}/ok.pem",
        &[&["client.certificate and otel.exporter.otlp.client.key must be given together", ALL_OFF]],
    ),
    case(
        "a client key that is not PEM",
        "otel.exporter.otlp.client.certificate={dir}/ok.pem,otel.exporter.otlp.client.key={dir}/ca.txt",
        &[&["otel.exporter.otlp.client.key=<", "holds no PEM private key", ALL_OFF]],
    ),
    case(
        "a client certificate file that holds only a key",
        "otel.exporter.otlp.metrics.client.certificate={dir}/key.pem,otel.exporter.otlp.metrics.client.key={dir}/key.pem",
        &[&["otel.exporter.otlp.metrics.client.certificate=", "holds no PEM certificate", "; metrics export is off"], &["started", "metrics: off"]],
    ),
    with_env(
        case(
            "a traces CA that is not PEM, from the environment",
            "",
            &[&["otel.exporter.otlp.traces.certificate=", "(environment)", "; traces export is off"], STARTED],
        ),
        &[("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "{dir}/ca.txt")],
    ),
    case(
        "a REST CA that is not PEM",
        "otel.connect.rest.ca={dir}/ca.txt",
        &[
            &["otel.connect.rest.ca=", "ca.txt", "holds no PEM certificate", "failure log records are off"],
            &["started", "failure log records: off"],
        ],
    ),
    case(
        "a REST URL on port 80800",
        "otel.connect.rest.url=http://admin:Secret10@127.0.0.1:80800",
        &[
            &["otel.connect.rest.url=\"http://***@127.0.0.1:80800\"", "failure log records are off"],
            &["started", "failure log records: off"],
        ],
    ),
    // --- Other settings: the part they belong to stays off, the rest runs ---
    case(
        "interval in words",
        "otel.metric.export.interval=soon",
        &[&["otel.metric.export.interval=\"soon\"", "milliseconds", "metrics are off"], &["started", "metrics: off"]],
    ),
    case(
        "interval below the minimum",
        "otel.metric.export.interval=50",
        &[&["otel.metric.export.interval=\"50\"", "at least 100"], &["started", "metrics: off"]],
    ),
    with_env(
        case(
            "a 100 KB interval",
            "",
            &[&["otel.metric.export.interval=\"xxxx", "(100000 characters)"], &["started", "metrics: off"]],
        ),
        &[("OTEL_METRIC_EXPORT_INTERVAL", LONG_VALUE)],
    ),
    case(
        "a bad group switch",
        "otel.connect.metrics.jvm.enabled=maybe",
        &[&["otel.connect.metrics.jvm.enabled=\"maybe\"", "metric group jvm is off"], STARTED],
    ),
    case(
        "an include pattern without a domain",
        "otel.connect.mbeans.include=no-colon-here",
        &[&["otel.connect.mbeans.include=\"no-colon-here\"", "ObjectName"], &["started", "metrics: off"]],
    ),
    case(
        "stall intervals 0",
        "otel.connect.stall.intervals=0",
        &[&["otel.connect.stall.intervals=\"0\"", "the default 4 is used"], STARTED],
    ),
    case(
        "memory trim sometimes",
        "otel.connect.memory.trim=sometimes",
        &[&["otel.connect.memory.trim=\"sometimes\"", "the default true is used"], STARTED],
    ),
    case(
        "failures enabled perhaps",
        "otel.connect.failures.enabled=perhaps",
        &[&["otel.connect.failures.enabled=\"perhaps\"", "failure log records are off"], &["started", "failure log records: off"]],
    ),
    case(
        "an unknown sampler",
        "otel.traces.sampler=sometimes",
        &[&["otel.traces.sampler=\"sometimes\"", "traceidratio", "tracing is off"], STARTED],
    ),
    with_env(
        case(
            "a sampler ratio of 2",
            "",
            &[&["otel.traces.sampler.arg=\"2\" (environment)", "0.0 to 1.0", "tracing is off"], STARTED],
        ),
        &[("OTEL_TRACES_SAMPLER_ARG", "2")],
    ),
    case(
        "a negative attribute limit",
        "otel.span.attribute.count.limit=-1",
        &[&["otel.span.attribute.count.limit=\"-1\"", "tracing is off"], STARTED],
    ),
    case(
        "a value length limit of 0",
        "otel.attribute.value.length.limit=0",
        &[&["otel.attribute.value.length.limit=\"0\"", "at least 1", "tracing is off"], STARTED],
    ),
    case(
        "a queue of 0 spans",
        "otel.bsp.max.queue.size=0",
        &[&["otel.bsp.max.queue.size=\"0\"", "tracing is off"], STARTED],
    ),
    with_props(
        case(
            "a schedule delay in words",
            "",
            &[&["otel.bsp.schedule.delay=\"later\" (system property)", "tracing is off"], STARTED],
        ),
        &["-Dotel.bsp.schedule.delay=later"],
    ),
    case(
        "resource attributes that are not pairs",
        "otel.resource.attributes=justaword",
        &[&["otel.resource.attributes=\"justaword\"", "resource attributes ignored"], STARTED],
    ),
    case(
        "sdk disabled maybe",
        "otel.sdk.disabled=maybe",
        &[&["otel.sdk.disabled=\"maybe\"", "the agent stays on"], STARTED],
    ),
    with_props(
        case(
            "sdk disabled",
            "",
            &[&["connect-otel: disabled: agent: otel.sdk.disabled=true"]],
        ),
        &["-Dotel.sdk.disabled=true"],
    ),
    case(
        "every exporter none",
        "otel.metrics.exporter=none,otel.traces.exporter=none,otel.logs.exporter=none",
        &[&["connect-otel: disabled: agent: metrics and traces are off"]],
    ),
    case(
        "metrics none and a bad sampler: the problem line says it all",
        "otel.metrics.exporter=none,otel.traces.sampler=nope",
        &[&["otel.traces.sampler=\"nope\"", "tracing is off"]],
    ),
    case(
        "a bad interval and traces none",
        "otel.metric.export.interval=-5,otel.traces.exporter=none",
        &[&["otel.metric.export.interval=\"-5\"", "metrics are off"]],
    ),
    case(
        "a REST password is never shown",
        "otel.connect.rest.password=Secret8,otel.connect.rest.username=admin",
        &[STARTED],
    ),
    with_env(
        case(
            "headers from the environment are never shown",
            "",
            &[&["started", "(1 headers)"]],
        ),
        &[("OTEL_EXPORTER_OTLP_HEADERS", "authorization=Bearer%20Secret9")],
    ),
    with_props(
        case(
            "the agent argument wins over a bad system property",
            "otel.exporter.otlp.protocol=grpc",
            &[STARTED],
        ),
        &["-Dotel.exporter.otlp.protocol=bogus"],
    ),
    with_env(
        case(
            "two bad keys, two lines",
            "otel.metric.export.interval=0",
            &[&["otel.metric.export.interval=\"0\""], &["otel.traces.sampler=\"x\" (environment)"]],
        ),
        &[("OTEL_TRACES_SAMPLER", "x")],
    ),
];

const LONG_VALUE: &str = concat!(
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "{long}"
);

fn fill(s: &str, receiver: &Receiver, dir: &str) -> String {
    s.replace("{grpc}", &receiver.grpc_endpoint())
        .replace("{http}", &receiver.http_endpoint())
        .replace("{dir}", dir)
        .replace("{long3000}", &"h".repeat(3000))
        // 100,000 characters in all.
        .replace("{long}", &"x".repeat(100_000 - 101))
}

fn agent_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| l.starts_with("connect-otel:")).collect()
}

/// Runs one case; `Err` says what failed.
fn run(c: &Case, receiver: &Receiver, dir: &str) -> Result<Duration, String> {
    let begun = Instant::now();
    // Every exporter that stays on sends to the receiver, so that no export failure adds a line. The
    // environment is the lowest source: a case's own setting wins.
    let mut jvm = JvmBuilder::new()
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.grpc_endpoint())
        .args(&fill(c.args, receiver, dir));
    for p in c.props {
        jvm = jvm.jvm_arg(&fill(p, receiver, dir));
    }
    for (k, v) in c.env {
        jvm = jvm.env(k, &fill(v, receiver, dir));
    }
    let mut jvm = jvm.spawn();
    jvm.cmd("worker");
    // The agent starts in the background: wait for its lines, then a little for any that should not come.
    let wait = Instant::now();
    while agent_lines(&jvm.stderr()).len() < c.lines.len() && wait.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    if let Some((k, v)) = c.resource {
        let seen = Instant::now();
        while !receiver
            .latest_points()
            .iter()
            .any(|p| p.resource.get(k).map(String::as_str) == Some(v))
        {
            if seen.elapsed() > Duration::from_secs(20) {
                return Err(format!("the receiver never saw {k}={v}\n{}", jvm.stderr()));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    let (status, exit_took, stderr) = jvm.exit(Duration::from_secs(20));
    let lines = agent_lines(&stderr);
    let mut problems = Vec::new();
    if !status.success() {
        problems.push(format!("exit status {status:?}"));
    }
    // A hang detector with room for a busy machine, not a performance target.
    if exit_took > Duration::from_secs(8) {
        problems.push(format!("exit took {exit_took:?}"));
    }
    if lines.len() != c.lines.len() {
        problems.push(format!(
            "{} connect-otel lines, expected {}",
            lines.len(),
            c.lines.len()
        ));
    }
    for words in c.lines {
        if !lines.iter().any(|l| words.iter().all(|w| l.contains(w))) {
            problems.push(format!("no line has all of {words:?}"));
        }
    }
    for w in c.absent.iter().chain(&["Secret"]) {
        if let Some(l) = lines.iter().find(|l| l.contains(w)) {
            problems.push(format!("a line has {w:?}: {l}"));
        }
    }
    if let Some(l) = lines.iter().find(|l| l.len() > 1500) {
        problems.push(format!("a line of {} bytes", l.len()));
    }
    if problems.is_empty() {
        Ok(begun.elapsed())
    } else {
        let shown: Vec<String> = lines.iter().map(|l| l.chars().take(400).collect()).collect();
        Err(format!(
            "{}\n  lines:\n    {}",
            problems.join("; "),
            shown.join("\n    ")
        ))
    }
}

/// Files the TLS cases point at, in a directory removed when the result is dropped.
fn prepare_files() -> support::TestDir {
    let dir = support::temp_dir("config-table");
    std::fs::write(dir.join("ca.txt"), "this is not a certificate\n").unwrap();
    std::fs::write(
        dir.join("bad.pem"),
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("ok.pem"),
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("key.pem"),
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    dir
}

#[test]
fn bad_configuration_table() {
    assert!(CASES.len() >= 60, "{} cases", CASES.len());
    let only = std::env::var("CONFIG_TABLE_ONLY").ok();
    let files = prepare_files();
    let dir = files.display().to_string();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let slowest = Mutex::new((Duration::ZERO, ""));
    let begun = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                let receiver = Receiver::start();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(c) = CASES.get(i) else { break };
                    if only.as_deref().is_some_and(|o| !c.name.contains(o)) {
                        continue;
                    }
                    match run(c, &receiver, &dir) {
                        Ok(took) => {
                            let mut slow = slowest.lock().unwrap();
                            if took > slow.0 {
                                *slow = (took, c.name);
                            }
                        }
                        Err(e) => failures.lock().unwrap().push(format!("case {:?}: {e}", c.name)),
                    }
                }
            });
        }
    });
    let (took, name) = *slowest.lock().unwrap();
    eprintln!(
        "{} cases in {:?} on 2 threads; slowest {took:?} ({name})",
        CASES.len(),
        begun.elapsed()
    );
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}
