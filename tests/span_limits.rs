//! Span size and memory bounds in a real JVM with the agent: huge spans among small ones over gRPC to a
//! receiver with a collector's 4 MiB message limit, and a careless caller's oversized spans against the
//! span queue's byte bound (`otel.connect.spans.queue.bytes`), measured in the JVM's resident memory.

mod support;

use std::time::{Duration, Instant};

use support::{one, JvmBuilder, Receiver, SpanView};

const WAIT: Duration = Duration::from_secs(60);

fn named<'a>(spans: &'a [SpanView], name: &str) -> Vec<&'a SpanView> {
    spans.iter().filter(|s| s.name == name).collect()
}

/// A line of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`).
fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn counter(receiver: &Receiver, name: &str, at_least: f64) -> f64 {
    let p = receiver.wait_for(WAIT, name, |p| p.iter().any(|x| x.name == name && x.value >= at_least));
    one(&p, name, &[]).value
}

#[test]
fn huge_spans_among_small_ones_all_arrive_over_grpc() {
    // One batch of 2,002 spans, two of them about 4 MiB each (128 attributes of 32 Ki characters, within the
    // default limits): unsplit, that request passes the receiver's 4 MiB limit and all 2,002 are lost.
    let receiver = Receiver::start();
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.bsp.schedule.delay=1000,otel.bsp.max.export.batch.size=4000,\
             otel.bsp.max.queue.size=8000,otel.metric.export.interval=1000",
            receiver.grpc_endpoint()
        ))
        .spawn();
    jvm.cmd("worker");
    jvm.wait_for_stderr("started", WAIT);
    jvm.cmd("mixed-sizes 2000 2");
    let spans = receiver.wait_for_spans(WAIT, "2,000 small and 2 huge spans", |s| {
        named(s, "small").len() >= 2000 && named(s, "huge").len() >= 2
    });
    assert_eq!(named(&spans, "small").len(), 2000, "every small span, once");
    let huge = named(&spans, "huge");
    assert_eq!(huge.len(), 2);
    for h in huge {
        // Trimmed to fit a request: attributes dropped from the last one set, and counted in the span.
        let kept = h.attributes.len() as u32;
        assert!((64..128).contains(&kept), "{kept} attributes kept");
        assert_eq!(h.dropped_attributes, 128 - kept);
        assert!(h.attributes.contains_key("huge.0") && !h.attributes.contains_key("huge.127"));
        assert!(h.attributes.values().all(|v| v.len() == 32 * 1024));
    }
    assert_eq!(counter(&receiver, "connect_otel.spans.trimmed", 2.0), 2.0);
    assert_eq!(counter(&receiver, "connect_otel.spans.exported", 2002.0), 2002.0);
    assert_eq!(
        one(&receiver.latest_points(), "connect_otel.spans.dropped", &[]).value,
        0.0
    );

    // A careless caller's span: names and keys are cut, and it still arrives, trimmed to fit.
    jvm.cmd("oversized 1");
    let spans = receiver.wait_for_spans(WAIT, "the oversized span", |s| s.iter().any(|x| x.scope == "oversized"));
    let o = spans.iter().find(|x| x.scope == "oversized").unwrap();
    assert_eq!(o.name, "n".repeat(1024), "the name is cut at 1,024 characters");
    assert!(o.attributes.len() > 64, "{} attributes kept", o.attributes.len());
    assert!(o.attributes.keys().all(|k| k.chars().count() == 1024), "keys are cut");
    assert!(o.attributes.values().all(|v| v.len() == 32 * 1024));
    assert_eq!(o.dropped_attributes as usize + o.attributes.len(), 128);
    // With events and links full of huge attributes too: attributes go first, then events, then links.
    jvm.cmd("oversized 1 full");
    let spans = receiver.wait_for_spans(WAIT, "the full oversized span", |s| {
        s.iter().filter(|x| x.scope == "oversized").count() == 2
    });
    let o = spans.iter().filter(|x| x.scope == "oversized").nth(1).unwrap();
    assert_eq!(o.name.len(), 1024);
    assert_eq!((o.attributes.len(), o.dropped_attributes), (0, 128));
    assert_eq!((o.events.len(), o.dropped_events), (0, 8));
    assert!((1..8).contains(&o.links.len()), "{} links kept", o.links.len());
    assert_eq!(counter(&receiver, "connect_otel.spans.trimmed", 4.0), 4.0);
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success(), "{stderr}");
    assert!(
        !stderr.contains("span export") && !stderr.contains("malformed"),
        "{stderr}"
    );
}

#[test]
fn careless_huge_spans_keep_native_memory_under_the_queue_bound() {
    // Spans go to a collector that never answers, so they pile up in the queue: each is about 12 MiB after the
    // API's caps (128 attributes, 8 events and 8 links of 16 attributes, all 32 Ki-character values; 17 MiB
    // before: a 300,000-character name, 10,000-character keys), and the queue may hold 16 MiB of them. The Java heap is fixed and touched at start, so what the process grows by is native memory.
    let receiver = Receiver::start();
    let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hole.local_addr().unwrap().port();
    let _keep = std::thread::spawn(move || hole.incoming().take(64).collect::<Vec<_>>());
    let bound_mb = 16;
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.exporter.otlp.traces.endpoint=http://127.0.0.1:{port},\
             otel.exporter.otlp.traces.timeout=3000,otel.bsp.schedule.delay=200,otel.metric.export.interval=1000,\
             otel.connect.spans.queue.bytes={}",
            receiver.grpc_endpoint(),
            bound_mb << 20
        ))
        .jvm_arg("-Xms256m")
        .jvm_arg("-Xmx256m")
        .jvm_arg("-XX:+AlwaysPreTouch")
        .spawn();
    jvm.cmd("worker");
    jvm.wait_for_stderr("started", WAIT);
    // Warm up the encoder and the JIT with a few, then measure from there.
    jvm.cmd("oversized 4 full");
    std::thread::sleep(Duration::from_secs(1));
    let before = status_kb(jvm.pid(), "VmRSS:");
    let start = Instant::now();
    jvm.cmd("oversized 100 full");
    let took = start.elapsed();
    std::thread::sleep(Duration::from_secs(2));
    let peak = status_kb(jvm.pid(), "VmHWM:");
    let now = status_kb(jvm.pid(), "VmRSS:");
    let grown_mb = (peak.max(now).saturating_sub(before)) / 1024;
    eprintln!("rss before {before} kB, after {now} kB, peak {peak} kB: grew {grown_mb} MiB; 100 spans took {took:?}");
    // The queue's bound, the batch in export (at most one 3 MiB request), one span being decoded and slack for
    // the JVM; without the bound and the caps, 100 spans of 17 MiB would be 1.7 GiB.
    assert!(
        grown_mb < bound_mb + 48,
        "native memory grew by {grown_mb} MiB (bound {bound_mb} MiB)"
    );
    assert!(took < Duration::from_secs(30), "the callers were held up: {took:?}");
    let dropped = counter(&receiver, "connect_otel.spans.dropped", 80.0);
    assert!(dropped <= 104.0, "{dropped}");
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success(), "{stderr}");
}

#[test]
fn counts_past_the_wire_formats_u16_never_wrap() {
    // A link with 70,000 attributes and an event with arrays of 70,000 elements: written with a wrapped u16
    // count, the span would be malformed and lost.
    let receiver = Receiver::start();
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.bsp.schedule.delay=200,otel.metric.export.interval=1000",
            receiver.grpc_endpoint()
        ))
        .spawn();
    jvm.cmd("worker");
    jvm.wait_for_stderr("started", WAIT);
    jvm.cmd("wide");
    let spans = receiver.wait_for_spans(WAIT, "the wide span", |s| !named(s, "wide").is_empty());
    let w = named(&spans, "wide")[0];
    assert_eq!(w.links.len(), 1);
    assert_eq!(w.events.len(), 1);
    let event = &w.events[0].1;
    assert!(
        event.contains_key("longs") && event.contains_key("strings"),
        "{:?}",
        event.keys()
    );
    assert!(w.attributes.contains_key("doubles"));
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("malformed"), "{stderr}");
}
