//! Connectors written against the OpenTelemetry API, unchanged, in a real JVM with the agent: a connector-like
//! class compiled against opentelemetry-api (tests/fixture/otel, one build per API version) gets its tracer from
//! `GlobalOpenTelemetry` in a static initializer, and its spans must reach a real OTLP receiver with everything
//! the code describes, whether the API is bundled in the plugin (a child-first class loader standing for
//! Connect's PluginClassLoader, one per plugin) or sits on the worker's class path.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use support::{JvmBuilder, Receiver, SpanView};

const WAIT: Duration = Duration::from_secs(30);
/// The newest, an older 1.5x, and the one the Debezium images ship.
const VERSIONS: [&str; 3] = ["1.68.0", "1.58.0", "1.23.1"];
const INTERNAL: i32 = 1; // OTLP SpanKind
const PRODUCER: i32 = 4;
const CONSUMER: i32 = 5;
const STATUS_OK: i32 = 1;
const STATUS_ERROR: i32 = 2;
const UPSTREAM_TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const UPSTREAM_SPAN: &str = "b7ad6b7169203331";

fn api_dir(version: &str) -> PathBuf {
    let d = support::root().join(format!(".cache/otel-api-{version}"));
    assert!(
        d.join(".complete").is_file(),
        "{} is missing: run scripts/fetch-test-deps.sh",
        d.display()
    );
    d
}

fn task_classes(version: &str) -> PathBuf {
    let d = support::root().join(format!("build/otel-fixture/{version}"));
    assert!(d.is_dir(), "{} is missing: run scripts/fetch-test-deps.sh", d.display());
    d
}

/// The driver's class path, plus `extra` (the API and the task, when they sit on the worker's class path).
fn classpath(extra: &[PathBuf]) -> String {
    let root = support::root();
    let mut parts = vec![
        root.join("build/otel-fixture/main").display().to_string(),
        format!("{}/*", root.join(".cache/fixture-lib").display()),
    ];
    parts.extend(extra.iter().map(|p| p.display().to_string()));
    parts.join(":")
}

/// The API's jars and the task's classes on the worker's class path.
fn on_classpath(version: &str) -> Vec<PathBuf> {
    vec![
        PathBuf::from(format!("{}/*", api_dir(version).display())),
        task_classes(version),
    ]
}

fn jvm(receiver: &Receiver, extra_classpath: &[PathBuf]) -> JvmBuilder {
    JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.bsp.schedule.delay=200",
            receiver.grpc_endpoint()
        ))
        .env("OTEL_SERVICE_NAME", "otel-api-worker")
        .main_class(&classpath(extra_classpath), "OtelApiFixture")
}

fn named<'a>(spans: &'a [SpanView], trace: &str, name: &str) -> Vec<&'a SpanView> {
    spans.iter().filter(|s| s.trace_id == trace && s.name == name).collect()
}

fn one<'a>(spans: &'a [SpanView], trace: &str, name: &str) -> &'a SpanView {
    let found = named(spans, trace, name);
    assert_eq!(found.len(), 1, "{name} in trace {trace}: {found:#?}");
    found[0]
}

fn attr<'a>(s: &'a SpanView, key: &str) -> &'a str {
    s.attributes
        .get(key)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("{} has no {key}: {:?}", s.name, s.attributes))
}

/// `key=value` from a reply line.
fn field<'a>(reply: &'a str, key: &str) -> &'a str {
    reply
        .split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {key} in {reply:?}"))
}

/// What the scenario's spans must be, for the run that answered `reply`: the batch's tree, every attribute
/// type, events, the exception, status, links, explicit parents and timestamps, the propagation both ways with
/// connect-otel's own API, and the task the thread ran for.
fn check_scenario(spans: &[SpanView], reply: &str, task: &str) {
    assert!(reply.starts_with("ok "), "{reply}");
    let trace = field(reply, "trace");
    let batch_id = field(reply, "span");
    assert_ne!(trace, "0".repeat(32), "a real trace id: {reply}");
    assert_eq!(
        field(reply, "current"),
        "true",
        "Span.current() is the span made current"
    );
    assert_eq!(field(reply, "recording-after-end"), "false");
    assert_eq!(
        field(reply, "traceparent"),
        format!("00-{trace}-{batch_id}-01"),
        "W3C propagator"
    );
    assert_eq!(
        field(reply, "tracestate"),
        "a=1,b=2",
        "a parent's trace state lives on in the child and is propagated in order"
    );

    let batch = one(spans, trace, "sink.put_batch");
    assert_eq!(batch.span_id, batch_id);
    assert_eq!(batch.parent_span_id, "", "the batch is a root");
    assert_eq!(batch.kind, CONSUMER);
    assert_eq!(
        (batch.scope.as_str(), batch.scope_version.as_str()),
        ("custom-sink-connector", "")
    );
    assert_eq!(
        batch.resource.get("service.name").map(String::as_str),
        Some("otel-api-worker")
    );
    assert_eq!(attr(batch, "kafka.connect.batch.size"), "3");
    assert_eq!(attr(batch, "batch.ratio"), "0.5");
    assert_eq!(attr(batch, "batch.retry"), "true");
    assert_eq!(attr(batch, "batch.topic"), "orders");
    assert_eq!(attr(batch, "batch.int"), "42");
    assert_eq!(attr(batch, "batch.all"), "yes");
    let topics = attr(batch, "batch.topics");
    assert!(
        topics.contains("StringValue(\"orders\")") && topics.contains("StringValue(\"payments\")"),
        "{topics}"
    );
    let offsets = attr(batch, "batch.offsets");
    assert!(
        ["IntValue(7)", "IntValue(8)", "IntValue(9)"]
            .iter()
            .all(|v| offsets.contains(v)),
        "{offsets}"
    );
    let weights = attr(batch, "batch.weights");
    assert!(
        weights.contains("DoubleValue(0.25)") && weights.contains("DoubleValue(0.75)"),
        "{weights}"
    );
    let flags = attr(batch, "batch.flags");
    assert!(
        flags.contains("BoolValue(true)") && flags.contains("BoolValue(false)"),
        "{flags}"
    );
    assert_eq!(
        batch.links,
        vec![(UPSTREAM_TRACE.to_string(), UPSTREAM_SPAN.to_string())]
    );
    assert_eq!(batch.flags & 0xff, 1, "sampled");

    let partition = one(spans, trace, "sink.write_partition");
    assert_eq!(partition.parent_span_id, batch.span_id, "parent through makeCurrent()");
    assert_eq!(partition.kind, INTERNAL);
    assert_eq!(attr(partition, "kafka.partition"), "0");
    assert!(partition.start >= batch.start && partition.end <= batch.end);
    assert_eq!(partition.events.len(), 2, "{:?}", partition.events);
    assert_eq!(partition.events[0].0, "written");
    assert_eq!(partition.events[0].1.get("records").map(String::as_str), Some("3"));
    let (name, ex) = &partition.events[1];
    assert_eq!(name, "exception");
    assert_eq!(
        ex.get("exception.type").map(String::as_str),
        Some("java.io.IOException")
    );
    assert_eq!(
        ex.get("exception.message").map(String::as_str),
        Some("destination refused record at offset 0")
    );
    assert!(ex["exception.stacktrace"].contains("at otelfixture.OtelTracedTask.scenario"));
    assert_eq!(
        (partition.status_code, partition.status_message.as_str()),
        (STATUS_ERROR, "refused")
    );

    let flush = one(spans, trace, "sink.flush");
    assert_eq!(
        flush.parent_span_id, batch.span_id,
        "parent through an explicit Context"
    );
    assert_eq!(
        (flush.scope.as_str(), flush.scope_version.as_str()),
        ("custom-sink-connector-builder", "2.0")
    );
    assert_eq!(flush.status_code, STATUS_OK);

    let timed: Vec<&SpanView> = spans
        .iter()
        .filter(|s| {
            s.name == "sink.timed" && s.attributes.get("kafka.connect.task.id").map(String::as_str) == Some(task)
        })
        .collect();
    assert_eq!(timed.len(), 1, "{timed:#?}");
    assert_eq!(timed[0].parent_span_id, "");
    assert_ne!(timed[0].trace_id, trace, "setNoParent starts a trace");
    assert_eq!(timed[0].kind, PRODUCER);
    assert_eq!(
        (timed[0].start, timed[0].end),
        (1_700_000_000_000_000_000, 1_700_000_001_500_000_000)
    );

    let ours = one(spans, trace, "ours.from_otel");
    assert_eq!(
        ours.parent_span_id, batch.span_id,
        "ConnectHeaders.extract reads the propagator's traceparent"
    );
    assert_eq!(ours.scope, "ours");
    let ours_root: Vec<&SpanView> = spans
        .iter()
        .filter(|s| {
            s.name == "ours.root" && s.attributes.get("kafka.connect.task.id").map(String::as_str) == Some(task)
        })
        .collect();
    assert_eq!(ours_root.len(), 1);
    let from_ours = one(spans, &ours_root[0].trace_id, "otel.from_ours");
    assert_eq!(
        from_ours.parent_span_id, ours_root[0].span_id,
        "the propagator reads ConnectHeaders.inject's traceparent"
    );

    let stated: Vec<&SpanView> = spans
        .iter()
        .filter(|s| {
            s.name == "otel.tracestate" && s.attributes.get("kafka.connect.task.id").map(String::as_str) == Some(task)
        })
        .collect();
    assert_eq!(stated.len(), 1, "{stated:#?}");
    assert_eq!(
        (stated[0].trace_id.as_str(), stated[0].parent_span_id.as_str()),
        (UPSTREAM_TRACE, UPSTREAM_SPAN)
    );
    assert_eq!(stated[0].trace_state, "a=1,b=2", "the parent's trace state is exported");

    // Every span of the run, in both APIs, says which task it ran for.
    for s in [
        batch,
        partition,
        flush,
        timed[0],
        ours,
        ours_root[0],
        from_ours,
        stated[0],
    ] {
        assert_eq!(attr(s, "kafka.connect.connector"), "otel-sink", "{}", s.name);
        assert_eq!(attr(s, "kafka.connect.task.id"), task, "{}", s.name);
        assert_eq!(attr(s, "kafka.connect.connector.type"), "sink", "{}", s.name);
    }
}

fn scenario_spans_arrived(spans: &[SpanView], reply: &str, task: &str) -> bool {
    let trace = field(reply, "trace");
    let of_task = |name: &str| {
        spans
            .iter()
            .any(|s| s.name == name && s.attributes.get("kafka.connect.task.id").map(String::as_str) == Some(task))
    };
    ["sink.put_batch", "sink.write_partition", "sink.flush", "ours.from_otel"]
        .iter()
        .all(|n| named(spans, trace, n).len() == 1)
        && ["sink.timed", "ours.root", "otel.from_ours", "otel.tracestate"]
            .iter()
            .all(|n| of_task(n))
}

#[test]
fn plugins_bundling_each_api_version_have_their_spans_exported() {
    let receiver = Receiver::start();
    let mut jvm = jvm(&receiver, &[]).spawn();
    jvm.wait_for_stderr("started", WAIT);
    assert_eq!(jvm.cmd("connector otel-sink sink"), "ok");
    let mut replies = Vec::new();
    for (i, v) in VERSIONS.iter().enumerate() {
        let plugin = format!("plugin-{i}");
        let loaded = jvm.cmd(&format!(
            "plugin {plugin} {} {}",
            api_dir(v).display(),
            task_classes(v).display()
        ));
        assert_eq!(loaded, "ok");
        let reply = jvm.cmd(&format!("run {plugin} task-thread-otel-sink-{i}"));
        replies.push((i.to_string(), reply));
    }
    let spans = receiver.wait_for_spans(WAIT, "every plugin's scenario", |s| {
        replies.iter().all(|(t, r)| scenario_spans_arrived(s, r, t))
    });
    for (task, reply) in &replies {
        check_scenario(&spans, reply, task);
    }
    // Each plugin has its own GlobalOpenTelemetry, each one ours, each said once.
    let stderr = jvm.stderr();
    for v in VERSIONS {
        let line = format!("is connect-otel's (OpenTelemetry API {v})");
        assert_eq!(stderr.matches(&line).count(), 1, "{stderr}");
    }
    assert!(!stderr.contains("Exception"), "{stderr}");
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

#[test]
fn the_api_on_the_worker_class_path_is_ours_even_from_a_static_initializer_that_runs_first() {
    for v in VERSIONS {
        let receiver = Receiver::start();
        // The task class (and its GlobalOpenTelemetry.getTracer) is initialised before main, while the agent's
        // library is still loading on its own thread.
        let mut jvm = jvm(&receiver, &on_classpath(v))
            .jvm_arg("-Dotelfixture.early=true")
            .spawn();
        jvm.wait_for_stderr("started", WAIT);
        jvm.wait_for_stderr(
            &format!("GlobalOpenTelemetry of the worker's class path is connect-otel's (OpenTelemetry API {v})"),
            WAIT,
        );
        assert_eq!(jvm.cmd("connector otel-sink sink"), "ok");
        let reply = jvm.cmd("run classpath task-thread-otel-sink-7");
        let spans = receiver.wait_for_spans(WAIT, "the scenario", |s| scenario_spans_arrived(s, &reply, "7"));
        check_scenario(&spans, &reply, "7");
        let (status, _, _) = jvm.exit(WAIT);
        assert!(status.success());
    }
}

#[test]
fn without_the_agent_the_api_is_the_opentelemetry_no_op() {
    // The scenario also uses connect-otel's API (for the headers): without the agent, from its own jar.
    let mut cp = on_classpath(VERSIONS[0]);
    cp.push(support::root().join("build/connect-otel-api.jar"));
    let mut jvm = JvmBuilder::new()
        .without_agent()
        .main_class(&classpath(&cp), "OtelApiFixture")
        .spawn();
    assert_eq!(
        jvm.cmd("probe classpath task-thread-otel-sink-0"),
        "probe recording=false valid=false"
    );
    let reply = jvm.cmd("run classpath task-thread-otel-sink-0");
    assert_eq!(field(&reply, "trace"), "0".repeat(32), "{reply}");
    assert_eq!(field(&reply, "traceparent"), "none");

    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success());
    assert!(!stderr.contains("connect-otel"), "{stderr}");
}

#[test]
fn a_user_who_switched_the_hook_off_keeps_the_no_op_and_is_told() {
    let receiver = Receiver::start();
    let mut jvm = jvm(&receiver, &on_classpath(VERSIONS[0]))
        .jvm_arg("-Dotel.java.global-autoconfigure.enabled=false")
        .spawn();
    let stderr = jvm.wait_for_stderr("started", WAIT);
    assert_eq!(
        stderr
            .matches("GlobalOpenTelemetry is left to the application (otel.java.global-autoconfigure.enabled=false)")
            .count(),
        1,
        "{stderr}"
    );
    assert_eq!(
        jvm.cmd("probe classpath task-thread-otel-sink-0"),
        "probe recording=false valid=false"
    );
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success());
    assert!(!stderr.contains("is connect-otel's"), "{stderr}");
}

#[test]
fn misuse_through_the_opentelemetry_api_cannot_hurt_the_worker() {
    let receiver = Receiver::start();
    let mut jvm = jvm(&receiver, &[]).spawn();
    jvm.wait_for_stderr("started", WAIT);
    for (i, v) in VERSIONS.iter().enumerate() {
        let plugin = format!("p{i}");
        jvm.cmd(&format!(
            "plugin {plugin} {} {}",
            api_dir(v).display(),
            task_classes(v).display()
        ));
        assert_eq!(
            jvm.cmd(&format!("misuse {plugin}")),
            "misuse ok current-valid=false",
            "{v}"
        );
    }
    let spans = receiver.wait_for_spans(WAIT, "the misuse spans of every version", |s| {
        let n = |name: &str| s.iter().filter(|x| x.name == name).count();
        n("misuse.twice") == 3 && n("misuse.nulls") == 3 && n("misuse.huge") == 3 && n("misuse.elsewhere") == 3
    });
    for huge in spans.iter().filter(|s| s.name == "misuse.huge") {
        assert_eq!(huge.attributes["huge"].len(), 32 * 1024, "values are capped");
        assert!(huge.attributes.len() <= 128, "the attribute count limit");
        assert_eq!(huge.events[0].0, "exception");
    }
    let twice = spans.iter().find(|s| s.name == "misuse.twice").unwrap();
    assert!(!twice.attributes.contains_key("after.end"));
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success());
    // Ended spans are exported once, never-ended ones not at all (all spans are in after the final flush).
    let spans = receiver.spans();
    for name in ["misuse.twice", "misuse.nulls", "misuse.elsewhere"] {
        assert_eq!(spans.iter().filter(|s| s.name == name).count(), 3, "{name}");
    }
    assert!(spans.iter().all(|s| s.name != "misuse.never"));
    assert!(!stderr.contains("connect-otel: error"), "{stderr}");
    assert!(
        stderr
            .lines()
            .all(|l| !l.contains("Exception") || l.contains("ApiUsageLogger")),
        "{stderr}"
    );
}

#[test]
fn a_span_through_the_opentelemetry_api_costs_little_more_than_through_ours() {
    // The caller's cost alone: every span is queued (a queue large enough for all of them), and the export goes
    // to a port that refuses at once, so no receiver in this process competes for the two cores.
    let refused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = refused.local_addr().unwrap().port();
    drop(refused);
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint=http://127.0.0.1:{port},otel.bsp.max.queue.size=1000000,\
             otel.connect.spans.queue.bytes=1000000000"
        ))
        .main_class(&classpath(&[]), "OtelApiFixture")
        .spawn();
    jvm.wait_for_stderr("started", WAIT);
    jvm.cmd(&format!(
        "plugin p {} {}",
        api_dir(VERSIONS[0]).display(),
        task_classes(VERSIONS[0]).display()
    ));
    let reply = jvm.cmd("bench p 50000");
    let otel: u64 = field(&reply, "otel-ns").parse().unwrap();
    let ours: u64 = field(&reply, "ours-ns").parse().unwrap();
    eprintln!(
        "per span (builder, 3 attributes, makeCurrent, end): OpenTelemetry API {otel} ns, connect-otel's API {ours} ns"
    );
    // A detector of a pathological path (a handle adapted on every call made it four times ours), not a
    // benchmark: the machine may be busy, so only the ratio is judged, loosely.
    assert!(otel <= 3 * ours + 1_000, "{reply}");
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

#[test]
fn an_opentelemetry_sdk_autoconfigure_on_the_class_path_keeps_the_global() {
    let receiver = Receiver::start();
    let sdk = support::root().join(".cache/otel-sdk-autoconfigure-1.68.0");
    assert!(sdk.join(".complete").is_file(), "run scripts/fetch-test-deps.sh");
    let cp = [PathBuf::from(format!("{}/*", sdk.display())), task_classes("1.68.0")];
    let mut jvm = jvm(&receiver, &cp).spawn();
    let stderr = jvm.wait_for_stderr("started", WAIT);
    assert_eq!(
        stderr
            .matches(
                "connect-otel: GlobalOpenTelemetry is left to the OpenTelemetry SDK autoconfigure on the class path"
            )
            .count(),
        1,
        "{stderr}"
    );
    // The SDK's own rule applies: autoconfigure is off unless the application switches it on.
    assert_eq!(
        jvm.cmd("probe classpath task-thread-otel-sink-0"),
        "probe recording=false valid=false"
    );
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success());
    assert!(!stderr.contains("is connect-otel's"), "{stderr}");
}

#[test]
fn the_opentelemetry_java_agent_keeps_the_global() {
    // The agent's mark on the boot class path stands for the OpenTelemetry Java agent (not fetched here).
    let receiver = Receiver::start();
    let mark = support::root().join("build/otel-fixture/javaagent-mark");
    let mut jvm = jvm(&receiver, &[])
        .jvm_arg(&format!("-Xbootclasspath/a:{}", mark.display()))
        .spawn();
    let stderr = jvm.wait_for_stderr("started", WAIT);
    assert_eq!(
        stderr
            .matches("connect-otel: GlobalOpenTelemetry is left to the OpenTelemetry Java agent")
            .count(),
        1,
        "{stderr}"
    );
    let v = VERSIONS[0];
    jvm.cmd(&format!(
        "plugin p {} {}",
        api_dir(v).display(),
        task_classes(v).display()
    ));
    assert_eq!(
        jvm.cmd("probe p task-thread-otel-sink-0"),
        "probe recording=false valid=false"
    );
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success());
    assert!(!stderr.contains("is connect-otel's"), "{stderr}");
}

#[test]
fn an_opentelemetry_java_agent_given_after_ours_keeps_the_global() {
    // Its premain runs after ours, so the hook is already on; once started, ours sees it and steps back.
    let receiver = Receiver::start();
    let fixture = support::root().join("build/otel-fixture");
    let mut jvm = jvm(&receiver, &[])
        .jvm_arg(&format!(
            "-javaagent:{}={}",
            fixture.join("late-agent.jar").display(),
            fixture.join("javaagent-mark.jar").display()
        ))
        .spawn();
    let stderr = jvm.wait_for_stderr("GlobalOpenTelemetry is left to the OpenTelemetry Java agent", WAIT);
    assert!(
        stderr.find("started").unwrap() < stderr.find("is left to").unwrap(),
        "{stderr}"
    );
    let v = VERSIONS[0];
    jvm.cmd(&format!(
        "plugin p {} {}",
        api_dir(v).display(),
        task_classes(v).display()
    ));
    assert_eq!(
        jvm.cmd("probe p task-thread-otel-sink-0"),
        "probe recording=false valid=false"
    );
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success());
    // One line from us, no other.
    assert_eq!(
        stderr.matches("connect-otel: GlobalOpenTelemetry").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn an_application_that_sets_its_own_sdk_first_keeps_it_and_is_named() {
    // The SDK without its autoconfigure module: the application builds its SDK and calls set itself, before any
    // get(), so the API never asks the hook; the agent still says, once, who owns that global.
    let receiver = Receiver::start();
    let sdk = support::root().join(".cache/otel-sdk-autoconfigure-1.68.0");
    assert!(sdk.join(".complete").is_file(), "run scripts/fetch-test-deps.sh");
    let mut cp: Vec<PathBuf> = std::fs::read_dir(&sdk)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.ends_with(".jar") && !n.starts_with("opentelemetry-sdk-extension-autoconfigure-1")
        })
        .collect();
    cp.push(task_classes("1.68.0"));
    cp.push(support::root().join("build/otel-fixture/own-sdk"));
    let mut jvm = jvm(&receiver, &cp).spawn();
    jvm.wait_for_stderr("started", WAIT);
    assert_eq!(
        jvm.cmd("invoke ownsdk.OwnSdk install"),
        "ok io.opentelemetry.sdk.OpenTelemetrySdk"
    );
    // The task's tracer is the application's SDK: its spans are recorded there, and none reaches ours.
    assert_eq!(
        jvm.cmd("probe classpath task-thread-otel-sink-0"),
        "probe recording=true valid=true"
    );
    let line = "connect-otel: GlobalOpenTelemetry of the worker's class path is the application's own \
                (io.opentelemetry.sdk.OpenTelemetrySdk): connect-otel leaves it";
    jvm.wait_for_stderr(line, WAIT);
    std::thread::sleep(Duration::from_secs(1)); // two of the agent's export intervals here
    assert!(
        receiver.spans().iter().all(|s| s.name != "probe"),
        "{:?}",
        receiver.spans()
    );
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success());
    assert_eq!(stderr.matches(line).count(), 1, "{stderr}");
    assert_eq!(
        stderr.matches("connect-otel: GlobalOpenTelemetry").count(),
        1,
        "one line, no other: {stderr}"
    );
}
