//! The tracing API in a real JVM with the agent: the example connectors driven directly (SinkTask.put with
//! SinkRecords made here, SourceTask.poll), spans checked in a real OTLP receiver.

mod support;

use std::time::Duration;

use support::{one, JvmBuilder, Receiver, SpanView};

const WAIT: Duration = Duration::from_secs(30);
const CONSUMER: i32 = 5; // OTLP SpanKind
const PRODUCER: i32 = 4;
const INTERNAL: i32 = 1;
const STATUS_ERROR: i32 = 2;

/// A JVM with the agent exporting spans quickly to `receiver`, started and ready for spans.
fn traced_jvm(receiver: &Receiver, extra_args: &str) -> support::Jvm {
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.bsp.schedule.delay=200{extra_args}",
            receiver.grpc_endpoint()
        ))
        .env("OTEL_SERVICE_NAME", "traced-worker")
        .spawn();
    jvm.cmd("worker");
    jvm.wait_for_stderr("started", WAIT);
    jvm
}

fn named<'a>(spans: &'a [SpanView], name: &str) -> Vec<&'a SpanView> {
    spans.iter().filter(|s| s.name == name).collect()
}

#[test]
fn the_ported_sink_produces_the_span_tree_its_code_describes() {
    let receiver = Receiver::start();
    let mut jvm = traced_jvm(&receiver, "");
    assert_eq!(jvm.cmd("sink-put 2 3"), "ok");
    let spans = receiver.wait_for_spans(WAIT, "one batch and two partition spans", |s| {
        named(s, "sink.put_batch").len() == 1 && named(s, "sink.write_partition").len() == 2
    });
    let batch = named(&spans, "sink.put_batch")[0];
    assert_eq!(
        batch.attributes.get("kafka.connect.batch.size").map(String::as_str),
        Some("6")
    );
    assert_eq!(batch.kind, CONSUMER);
    assert_eq!(batch.parent_span_id, "", "the batch is a root");
    assert_eq!(batch.trace_id.len(), 32);
    assert_ne!(batch.trace_id, "0".repeat(32));
    assert_eq!(
        (batch.scope.as_str(), batch.scope_version.as_str()),
        ("custom-sink-connector", "")
    );
    assert_eq!(
        batch.resource.get("service.name").map(String::as_str),
        Some("traced-worker")
    );
    assert!(batch.end >= batch.start && batch.start > 1_600_000_000_000_000_000);
    assert_eq!(batch.flags & 0xff, 1, "sampled");
    let mut partitions: Vec<String> = named(&spans, "sink.write_partition")
        .iter()
        .map(|p| {
            assert_eq!(p.trace_id, batch.trace_id, "one trace");
            assert_eq!(p.parent_span_id, batch.span_id, "children of the batch span");
            assert_eq!(p.kind, INTERNAL);
            assert_eq!(p.attributes.get("kafka.topic").map(String::as_str), Some("orders"));
            assert!(p.start >= batch.start && p.end <= batch.end);
            p.attributes["kafka.partition"].clone()
        })
        .collect();
    partitions.sort();
    assert_eq!(partitions, vec!["0", "1"]);
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

#[test]
fn a_failed_write_records_the_exception_and_error_status() {
    let receiver = Receiver::start();
    let mut jvm = traced_jvm(&receiver, "");
    let reply = jvm.cmd("sink-put 1 2 order");
    assert!(reply.starts_with("failed Failed to write records"), "{reply}");
    let spans = receiver.wait_for_spans(WAIT, "the failed batch", |s| {
        named(s, "sink.put_batch").len() == 1 && named(s, "sink.write_partition").len() == 1
    });
    let partition = named(&spans, "sink.write_partition")[0];
    assert_eq!(
        partition.attributes.get("write.success").map(String::as_str),
        Some("false")
    );
    assert_eq!(partition.status_code, STATUS_ERROR);
    assert!(partition
        .status_message
        .contains("destination refused record at offset 0"));
    let (name, ex) = &partition.events[0];
    assert_eq!(name, "exception");
    assert_eq!(
        ex.get("exception.type").map(String::as_str),
        Some("java.io.IOException")
    );
    assert!(ex["exception.message"].contains("destination refused"));
    assert!(ex["exception.stacktrace"].contains("at io.connectotel.examples.TracedSinkTask.writeToDestination"));
    let batch = named(&spans, "sink.put_batch")[0];
    assert_eq!(batch.status_code, STATUS_ERROR);
    assert_eq!(
        batch.events[0].1.get("exception.type").map(String::as_str),
        Some("java.io.IOException")
    );
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

#[test]
fn trace_context_round_trips_through_record_headers() {
    let receiver = Receiver::start();
    let mut jvm = traced_jvm(&receiver, "");
    let reply = jvm.cmd("source-poll 3");
    let injected_trace = reply.split_whitespace().nth(2).unwrap().to_string();
    assert_eq!(jvm.cmd("sink-from-source"), "ok");
    let spans = receiver.wait_for_spans(WAIT, "source and sink spans", |s| {
        named(s, "source.poll").len() == 1
            && named(s, "source.record").len() == 3
            && named(s, "sink.put_batch").len() == 1
    });
    let poll = named(&spans, "source.poll")[0];
    assert_eq!(
        poll.trace_id, injected_trace,
        "the traceparent header carries the source's trace"
    );
    assert_eq!(
        (poll.scope.as_str(), poll.scope_version.as_str()),
        ("custom-source-connector", "1.0")
    );
    let records = named(&spans, "source.record");
    assert!(records
        .iter()
        .all(|r| r.parent_span_id == poll.span_id && r.kind == PRODUCER && r.trace_id == poll.trace_id));
    // The sink continues the trace: parent = the first record's span, the others linked.
    let batch = named(&spans, "sink.put_batch")[0];
    assert_eq!(batch.trace_id, poll.trace_id);
    // The tracestate header the records carried reaches the sink's spans and their links.
    assert_eq!(
        (poll.trace_state.as_str(), batch.trace_state.as_str()),
        ("", "vendor=fixture")
    );
    assert_eq!(batch.link_trace_states, ["vendor=fixture", "vendor=fixture"]);
    let first = records
        .iter()
        .find(|r| r.attributes.get("record.number").map(String::as_str) == Some("0"))
        .unwrap();
    assert_eq!(batch.parent_span_id, first.span_id);
    assert_eq!(batch.links.len(), 2);
    assert!(batch
        .links
        .iter()
        .all(|(t, s)| t == &poll.trace_id && records.iter().any(|r| &r.span_id == s)));
    let partition = named(&spans, "sink.write_partition")[0];
    assert_eq!(
        (partition.trace_id.as_str(), partition.parent_span_id.as_str()),
        (poll.trace_id.as_str(), batch.span_id.as_str())
    );
    assert_eq!(
        partition.trace_state, "vendor=fixture",
        "a child carries its parent's tracestate"
    );
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

#[test]
fn a_connector_bundling_its_own_copy_of_the_api_reaches_the_agent() {
    let receiver = Receiver::start();
    let mut jvm = traced_jvm(&receiver, "");
    let root = support::root();
    let reply = jvm.cmd(&format!(
        "bundled {} {}",
        root.join("build/connect-otel-api.jar").display(),
        root.join("build/e2e-plugins/connect-otel-examples.jar").display()
    ));
    assert_eq!(reply, "ok isolated=true");
    receiver.wait_for_spans(WAIT, "spans from the isolated copy", |s| {
        named(s, "sink.put_batch").len() == 1 && named(s, "sink.write_partition").len() == 1
    });
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

#[test]
fn without_an_agent_the_api_is_a_no_op() {
    let mut jvm = JvmBuilder::new().without_agent().spawn();
    assert_eq!(jvm.cmd("noop-check"), "recording=false valid=false");
    assert_eq!(jvm.cmd("sink-put 2 2"), "ok");
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success(), "{stderr}");
}

#[test]
fn misuse_cannot_hurt_the_worker() {
    let receiver = Receiver::start();
    // A queue large enough for the 12,800 parallel spans (a smaller one drops them, as the next test shows).
    let mut jvm = traced_jvm(
        &receiver,
        ",otel.metric.export.interval=1000,otel.bsp.max.queue.size=20000",
    );
    let reply = jvm.cmd("misuse");
    assert!(
        reply.starts_with("misuse ok") && reply.ends_with("current-valid=false"),
        "{reply}"
    );
    let used_mb: u64 = reply
        .split("used-mb=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(used_mb < 256, "memory after the misuse list: {used_mb} MB");
    let spans = receiver.wait_for_spans(WAIT, "the huge-values span and all parallel spans", |s| {
        named(s, "huge.values").len() == 1 && named(s, "parallel").len() == 64 * 200
    });
    let big = named(&spans, "huge.values")[0];
    assert_eq!(big.attributes["huge"].len(), 32 * 1024, "values are capped");
    assert!(big.attributes.len() <= 128, "attribute count limit");
    assert!(big.events.len() <= 128, "event count limit");
    assert_eq!(
        named(&spans, "ended.elsewhere").len(),
        1,
        "ended on another thread, once"
    );
    assert_eq!(
        named(&spans, "").len(),
        1,
        "a null name is an empty name; ended twice, exported once"
    );
    assert!(named(&spans, "never.ended").is_empty());
    assert!(
        jvm.stderr().lines().all(|l| !l.contains("Exception")),
        "{}",
        jvm.stderr()
    );
    jvm.cmd("connector after-misuse sink 1");
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

#[test]
fn a_full_queue_drops_and_counts_but_never_blocks() {
    let receiver = Receiver::start();
    // Spans go to a collector that never answers, so the export thread is stuck and the queue of 10 fills:
    // almost every span of the flood is dropped, and the callers never wait.
    let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hole.local_addr().unwrap().port();
    let _keep = std::thread::spawn(move || hole.incoming().take(16).collect::<Vec<_>>());
    let mut jvm = traced_jvm(
        &receiver,
        &format!(
            ",otel.exporter.otlp.traces.endpoint=http://127.0.0.1:{port},otel.exporter.otlp.traces.timeout=5000,\
             otel.bsp.max.queue.size=10,otel.bsp.max.export.batch.size=10,otel.metric.export.interval=1000"
        ),
    );
    jvm.cmd("flood 20000");
    let p = receiver.wait_for(WAIT, "dropped spans counted", |p| {
        let dropped = p
            .iter()
            .find(|x| x.name == "connect_otel.spans.dropped")
            .map(|x| x.value);
        dropped.unwrap_or(0.0) >= 19_000.0
    });
    assert!(one(&p, "connect_otel.spans.dropped", &[]).value <= 20_000.0);
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

#[test]
fn the_sampler_setting_is_applied_when_a_span_starts() {
    // traceidratio 0.5: about half of 2,000 root spans are sampled (the SDKs' rule on the trace id's low bytes).
    let receiver = Receiver::start();
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.bsp.schedule.delay=200",
            receiver.grpc_endpoint()
        ))
        .env("OTEL_TRACES_SAMPLER", "traceidratio")
        .env("OTEL_TRACES_SAMPLER_ARG", "0.5")
        .env("OTEL_BSP_MAX_QUEUE_SIZE", "10000")
        .spawn();
    jvm.cmd("worker");
    jvm.wait_for_stderr("started", WAIT);
    jvm.cmd("flood 2000");
    let (status, _, _) = jvm.exit(WAIT); // the final flush exports everything sampled
    assert!(status.success());
    let n = receiver.spans().iter().filter(|s| s.name == "flood").count();
    assert!((800..=1200).contains(&n), "{n} of 2000 spans sampled at ratio 0.5");

    // always_off: nothing is recorded at all.
    let receiver = Receiver::start();
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.bsp.schedule.delay=200",
            receiver.grpc_endpoint()
        ))
        .jvm_arg("-Dotel.traces.sampler=always_off")
        .spawn();
    jvm.cmd("worker");
    jvm.wait_for_stderr("started", WAIT);
    assert_eq!(jvm.cmd("sink-put 1 1"), "ok");
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
    assert!(receiver.spans().is_empty(), "always_off exported spans");
}
