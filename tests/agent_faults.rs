//! Bad input and faults: each time the JVM's own program runs to the end, exits 0 and promptly, and one
//! clear line says what is wrong. (Exit-time limits here detect hangs; they are not performance targets.)

mod support;

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use support::{JvmBuilder, Receiver};

const HANG: Duration = Duration::from_secs(20);

/// Runs the fixture program (registers a worker), waits until the agent has said `expect` (it starts in the
/// background, so a program that ends at once could end before it), then ends the program and returns its
/// stderr after a clean exit.
fn run(jvm: JvmBuilder, expect: &str) -> String {
    let mut jvm = jvm.spawn();
    jvm.cmd("worker");
    jvm.wait_for_stderr(expect, HANG);
    let (status, _, stderr) = jvm.exit(HANG);
    assert!(status.success(), "the program did not exit 0: {status:?}\n{stderr}");
    stderr
}

fn lines_with<'a>(stderr: &'a str, needle: &str) -> Vec<&'a str> {
    stderr.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn bad_interval_names_key_value_and_expectation_and_switches_metrics_off() {
    let err = run(JvmBuilder::new().args("otel.metric.export.interval=soon"), "started");
    let l = lines_with(&err, "otel.metric.export.interval");
    assert_eq!(l.len(), 1, "{err}");
    assert!(
        l[0].starts_with("connect-otel: error: configuration:")
            && l[0].contains("\"soon\"")
            && l[0].contains("milliseconds"),
        "{}",
        l[0]
    );
    // Metrics are off; tracing (not affected by the bad value) runs on.
    assert!(
        err.contains("started 0.1.0; metrics: off; metrics exporter: grpc"),
        "{err}"
    );
}

#[test]
fn bad_protocol_from_the_environment() {
    let err = run(
        JvmBuilder::new().env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        "export are off",
    );
    // One bad key, one line: it names every signal it turns off, and nothing else repeats it.
    assert_eq!(
        lines_with(&err, "connect-otel:"),
        ["connect-otel: error: configuration: otel.exporter.otlp.protocol=\"http/json\" (environment) is not valid: \
          expected grpc or http/protobuf; metrics, traces and logs export are off"],
        "{err}"
    );
}

#[test]
fn bad_endpoint_from_a_system_property() {
    let err = run(
        JvmBuilder::new().jvm_arg("-Dotel.exporter.otlp.endpoint=collector:4317"),
        "export are off",
    );
    assert_eq!(lines_with(&err, "connect-otel:").len(), 1, "{err}");
    assert!(
        err.contains("otel.exporter.otlp.endpoint=\"collector:4317\" (system property)") && err.contains("http://"),
        "{err}"
    );
}

#[test]
fn unknown_connect_key_is_named() {
    let args = "otel.connect.metrics.jvm.enabeld=false,otel.exporter.otlp.endpoint=http://127.0.0.1:1";
    let err = run(JvmBuilder::new().args(args), "started");
    assert_eq!(
        lines_with(&err, "unknown key otel.connect.metrics.jvm.enabeld").len(),
        1,
        "{err}"
    );
    assert!(
        err.contains("connect-otel: info: started"),
        "the rest of the agent keeps running:\n{err}"
    );
}

#[test]
fn sdk_disabled_loads_nothing_and_says_so() {
    let err = run(JvmBuilder::new().jvm_arg("-Dotel.sdk.disabled=true"), "disabled");
    assert!(
        err.contains("connect-otel: disabled: agent: otel.sdk.disabled=true"),
        "{err}"
    );
    assert!(!err.contains("started"));
}

#[test]
fn missing_native_library() {
    let err = run(
        JvmBuilder::new().args("otel.connect.library.path=/nonexistent/libconnect_otel.so"),
        "disabled",
    );
    assert_eq!(lines_with(&err, "connect-otel: disabled:").len(), 1, "{err}");
    assert!(
        err.contains("/nonexistent/libconnect_otel.so") && err.contains("does not exist"),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_a_library() {
    let dir = support::temp_dir("notlib");
    let fake = dir.join("libconnect_otel.so");
    std::fs::write(&fake, b"not an ELF file").unwrap();
    let err = run(
        JvmBuilder::new().args(&format!("otel.connect.library.path={}", fake.display())),
        "disabled",
    );
    assert_eq!(
        lines_with(&err, "connect-otel:"),
        [format!(
            "connect-otel: disabled: native library {} is not a complete library for linux-x86_64: it is not an ELF file",
            fake.canonicalize().unwrap().display()
        )],
        "{err}"
    );
}

#[test]
fn extraction_reuses_an_identical_file_and_refuses_a_shared_directory() {
    let tmp = support::temp_dir("extract");
    // Named by the user's number, which every process has (a name it may not).
    let uid = support::effective_uid();
    let private = tmp.join(format!("connect-otel-{uid}"));
    let tmpdir = format!("-Djava.io.tmpdir={}", tmp.display());
    let endpoint = "otel.exporter.otlp.endpoint=http://127.0.0.1:1";

    let err = run(JvmBuilder::new().args(endpoint).jvm_arg(&tmpdir), "started");
    assert!(err.contains("started"), "{err}");
    let mode = std::fs::metadata(&private).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    // The library, and the locks that keep it while a JVM uses it (NativeLoader): nothing else.
    let entries = |dir: &std::path::Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let names = entries(&private);
    let libraries: Vec<&String> = names.iter().filter(|n| n.ends_with(".so")).collect();
    assert_eq!(libraries.len(), 1, "{names:?}");
    let name = libraries[0].clone();
    assert!(name.starts_with("libconnect_otel-"), "{name}");
    let lock = format!("{}.lock", name.trim_end_matches(".so"));
    let mut expected = vec![name.clone(), lock, "extract.lock".to_string()];
    expected.sort();
    assert_eq!(names, expected);
    let library = private.join(&name);
    let first = std::fs::metadata(&library).unwrap().modified().unwrap();

    let err = run(JvmBuilder::new().args(endpoint).jvm_arg(&tmpdir), "started");
    assert!(err.contains("started"), "{err}");
    assert_eq!(
        entries(&private),
        names,
        "an identical library is reused, not written again"
    );
    assert_eq!(std::fs::metadata(&library).unwrap().modified().unwrap(), first);

    // A directory others can write to is never loaded from.
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = run(JvmBuilder::new().args(endpoint).jvm_arg(&tmpdir), "disabled");
    assert!(
        err.contains("connect-otel: disabled:") && err.contains("is not private"),
        "{err}"
    );
    assert!(!err.contains("started"));
}

#[test]
fn a_collector_that_is_down_costs_a_log_line_not_the_worker() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut jvm = JvmBuilder::new()
        .args(&format!("otel.exporter.otlp.endpoint=http://127.0.0.1:{closed},otel.metric.export.interval=500,otel.exporter.otlp.timeout=1000"))
        .spawn();
    jvm.cmd("worker");
    let err = jvm.wait_for_stderr("metric export to", Duration::from_secs(20));
    assert!(err.contains("failed"), "{err}");
    jvm.cmd("connector files source 1");
    let (status, _, err) = jvm.exit(HANG);
    assert!(status.success(), "{err}");
}

/// A collector that accepts connections and never answers (up to 64 of them, held until the thread ends).
fn black_hole() -> (u16, std::thread::JoinHandle<()>) {
    let hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = hole.local_addr().unwrap().port();
    let keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in hole.incoming().take(64) {
            held.push(s);
        }
    });
    (port, keep)
}

#[test]
fn a_collector_that_never_answers_does_not_hold_up_exit() {
    // The worst case for a final flush.
    let (port, keep) = black_hole();
    for protocol in ["grpc", "http/protobuf"] {
        let mut jvm = JvmBuilder::new()
            .args(&format!(
                "otel.exporter.otlp.endpoint=http://127.0.0.1:{port},otel.exporter.otlp.protocol={protocol},otel.metric.export.interval=500"
            ))
            .spawn();
        jvm.cmd("worker");
        jvm.cmd("sleep 1500");
        let (status, took, err) = jvm.exit(HANG);
        assert!(status.success(), "{protocol}: {err}");
        // The agent's shutdown budget is 4.5 s; allow for JVM teardown on a busy machine.
        assert!(took < Duration::from_secs(10), "{protocol}: exit took {took:?}\n{err}");
        eprintln!("{protocol}: exit with a black-hole collector took {took:?}");
    }
    drop(keep);
}

/// A collector that accepts and never answers: the lines say the export timed out, with the endpoint and the
/// timeout — also the line about a collection skipped meanwhile, which used to be the only one in the first
/// minute and named neither.
#[test]
fn a_black_hole_collector_is_named_as_a_timeout() {
    let (port, keep) = black_hole();
    for protocol in ["grpc", "http/protobuf"] {
        let endpoint = match protocol {
            "grpc" => format!("http://127.0.0.1:{port}"),
            _ => format!("http://127.0.0.1:{port}/v1/metrics"),
        };
        let mut jvm = JvmBuilder::new()
            .args(&format!(
                "otel.exporter.otlp.endpoint=http://127.0.0.1:{port},otel.exporter.otlp.protocol={protocol},\
                 otel.metric.export.interval=300,otel.exporter.otlp.timeout=1200,otel.traces.exporter=none,\
                 otel.logs.exporter=none"
            ))
            .spawn();
        jvm.cmd("worker");
        let err = jvm.wait_for_stderr("timed out", HANG);
        let (status, _, err_at_exit) = jvm.exit(HANG);
        assert!(status.success(), "{protocol}: {err_at_exit}");
        let failed = lines_with(&err, "failed: timed out");
        assert_eq!(
            failed,
            [format!(
                "connect-otel: warning: metric export to {endpoint} failed: timed out: no answer within 1200 ms \
                 (otel.exporter.otlp.timeout)"
            )],
            "{protocol}:\n{err}"
        );
        // Collections made while the first waited: skipped, said once, with the endpoint and the timeout.
        let skipped = lines_with(&err, "skipped");
        assert_eq!(skipped.len(), 1, "{protocol}:\n{err}");
        assert!(
            skipped[0].contains(&endpoint) && skipped[0].contains("up to 1200 ms, otel.exporter.otlp.timeout"),
            "{protocol}: {}",
            skipped[0]
        );
        eprintln!("{protocol}:\n{}\n{}", failed[0], skipped[0]);
    }
    drop(keep);
}

#[test]
fn a_panic_in_native_code_never_reaches_the_jvm() {
    let receiver = Receiver::start();
    let mut jvm = JvmBuilder::new()
        .args(&format!("otel.exporter.otlp.endpoint={}", receiver.grpc_endpoint()))
        .spawn();
    jvm.cmd("worker");
    jvm.wait_for_stderr("started", HANG); // the library loads in the background
    let reply = jvm.cmd("panic");
    // The entry returned its default (0) + 7: the call came back normally, no exception, no crash.
    assert_eq!(reply, "survived 7");
    let err = jvm.wait_for_stderr("deliberate test panic", Duration::from_secs(5));
    assert!(
        err.contains("internal error (caught, the worker is unaffected): deliberate test panic: from the fixture"),
        "{err}"
    );
    jvm.cmd("connector after-panic sink 1");
    let (status, _, err) = jvm.exit(HANG);
    assert!(status.success(), "{err}");
}

#[test]
fn a_platform_the_jar_does_not_carry_is_one_line_and_the_api_stays_a_no_op() {
    // os.arch as the JVM of an IBM Z or POWER host reports it; the jar carries no library for either.
    let mut jvm = JvmBuilder::new().jvm_arg("-Dos.arch=s390x").spawn();
    jvm.cmd("worker");
    jvm.wait_for_stderr("disabled", HANG);
    assert_eq!(jvm.cmd("noop-check"), "recording=false valid=false");
    let (status, _, err) = jvm.exit(HANG);
    assert!(status.success(), "{err}");
    let ours = lines_with(&err, "connect-otel:");
    assert_eq!(
        ours,
        ["connect-otel: disabled: no native library for linux-s390x; this jar carries linux-x86_64"],
        "{err}"
    );
}

/// Secrets given through every place a secret goes (URL userinfo, headers, the REST password, a misspelt
/// key, the environment), with a collector that refuses so that export failures are logged too: no line the
/// agent prints shows any of them.
#[test]
fn no_secret_reaches_any_line() {
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let for_grpc = format!(
        "otel.exporter.otlp.endpoint=http://alice:Secret1@127.0.0.1:{closed},otel.exporter.otlp.headers=authorization=Secret2,\
         otel.connect.rest.url=http://bob:Secret3@127.0.0.1:{closed},otel.connect.rest.password=Secret4,\
         otel.connect.rest.pasword=Secret5,otel.metric.export.interval=500,otel.exporter.otlp.timeout=500"
    );
    let for_http = format!(
        "otel.exporter.otlp.protocol=http/protobuf,otel.exporter.otlp.endpoint=http://carol:Secret6@127.0.0.1:{closed},\
         otel.metric.export.interval=500,otel.exporter.otlp.timeout=500"
    );
    for args in [for_grpc, for_http] {
        let mut jvm = JvmBuilder::new()
            .args(&args)
            .env("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-token=Secret7")
            .env("OTEL_CONNECT_REST_PASSWROD", "Secret8")
            .env("OTEL_CONNECT_LOG_LEVEL", "debug")
            .spawn();
        jvm.cmd("worker");
        jvm.wait_for_stderr("metric export to", Duration::from_secs(20));
        jvm.cmd("sleep 1200");
        let (status, _, err) = jvm.exit(HANG);
        assert!(status.success(), "{err}");
        for n in 1..=8 {
            assert!(!err.contains(&format!("Secret{n}")), "Secret{n} was logged:\n{err}");
        }
        // What the lines do say: the misspelt key by name, the endpoint without its userinfo.
        if args.contains("rest.pasword") {
            assert_eq!(
                lines_with(&err, "unknown key otel.connect.rest.pasword=<7 characters, not shown>").len(),
                1,
                "{err}"
            );
        }
        assert!(err.contains(&format!("http://***@127.0.0.1:{closed}")), "{err}");
    }
}
