//! The agent in a JVM run with `-Xcheck:jni`, HotSpot's checks of every JNI call: several collections over
//! the fixture's Connect MBeans (first reads, cached reads, an MBean that goes away), the span path and the
//! shutdown, with not one complaint in the JVM's output.
//!
//! HotSpot prints its JNI warnings (and the fatal error it aborts with) on the VM's own output stream, which
//! is stdout unless `-XX:+DisplayVMOutputToStderr`; the fixture's replies use stdout, so the JVM here writes
//! its output to stderr, where the test reads it.

mod support;

use std::time::{Duration, Instant};

use support::{select, JvmBuilder, Receiver};

const WAIT: Duration = Duration::from_secs(60);

/// What HotSpot's JNI checks print: a misused call (`WARNING in native method: …`, such as "JNI call made
/// without checking exceptions when required to", "JNI call made with exception pending"), more local
/// references than a frame was given (`WARNING: JNI local refs: …, exceeds capacity: …`), or the fatal error
/// it aborts with (`FATAL ERROR in native method: …`).
const COMPLAINTS: [&str; 5] = [
    "WARNING in native method",
    "FATAL ERROR in native method",
    "JNI local refs",
    "JNI call made",
    "exception pending",
];

fn complaints(output: &str) -> Vec<&str> {
    output
        .lines()
        .filter(|l| COMPLAINTS.iter().any(|c| l.contains(c)))
        .collect()
}

#[test]
fn the_checker_recognises_what_hotspot_prints() {
    let sample = "started\n\
        WARNING in native method: JNI call made without checking exceptions when required to from CallObjectMethodA\n\
        \tat Foo.bar(Native Method)\n\
        WARNING: JNI local refs: 66, exceeds capacity: 65\n\
        FATAL ERROR in native method: JNI call made with exception pending\n";
    assert_eq!(complaints(sample).len(), 3);
    assert!(complaints("connect-otel: started\n").is_empty());
}

#[test]
fn collection_spans_and_shutdown_make_no_jni_complaint() {
    let receiver = Receiver::start();
    let mut jvm = JvmBuilder::new()
        // PrintFlagsFinal shows, on the same stream, that the checks are on.
        .jvm_arg("-Xcheck:jni")
        .jvm_arg("-XX:+DisplayVMOutputToStderr")
        .jvm_arg("-XX:+PrintFlagsFinal")
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.metric.export.interval=500,otel.bsp.schedule.delay=200",
            receiver.grpc_endpoint()
        ))
        .spawn();
    jvm.cmd("worker");
    jvm.cmd("connector files source 2");
    jvm.cmd("connector orders:sink sink 1");

    // Several collections: the first learns each MBean's name and declared attributes, the later ones read
    // through the caches.
    let with_tasks = |p: &[support::Point]| {
        !select(p, "kafka.connect.source.source_record_poll_total", &[]).is_empty()
            && !select(p, "kafka.connect.sink.sink_record_read_total", &[]).is_empty()
    };
    receiver.wait_for(WAIT, "task metrics", with_tasks);
    let first = receiver.metric_requests();
    let start = Instant::now();
    while receiver.metric_requests() < first + 4 {
        assert!(start.elapsed() < WAIT, "fewer than 4 further exports");
        std::thread::sleep(Duration::from_millis(100));
    }
    let p = receiver.latest_points();
    assert!(with_tasks(&p), "a later collection lacks the task metrics");
    let files = [("kafka.connect.connector", "files")];
    assert!(!select(&p, "kafka.connect.source.source_record_poll_total", &files).is_empty());

    // A connector goes: its MBeans vanish from the queries and are forgotten.
    jvm.cmd("remove files");
    receiver.wait_for(WAIT, "a collection without the removed connector", |p| {
        !select(p, "kafka.connect.sink.sink_record_read_total", &[]).is_empty()
            && select(p, "kafka.connect.source.source_record_poll_total", &files).is_empty()
    });

    // The span path: the Java API hands encoded spans to the library.
    assert_eq!(jvm.cmd("sink-put 2 3"), "ok");
    receiver.wait_for_spans(WAIT, "the batch span", |s| s.iter().any(|s| s.name == "sink.put_batch"));

    let (status, _, output) = jvm.exit(WAIT);
    assert!(status.success(), "the JVM failed: {status}\n{output}");
    assert!(
        output
            .lines()
            .any(|l| l.contains("CheckJNICalls") && l.contains("= true")),
        "-Xcheck:jni was not in effect (or the VM's output is not where this test reads it):\n{output}"
    );
    let found = complaints(&output);
    assert!(
        found.is_empty(),
        "JNI complaints:\n{}\n\nfull output:\n{output}",
        found.join("\n")
    );
}
