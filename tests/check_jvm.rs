//! `java -jar connect-otel-agent.jar check`, run for real: the built jar in a real JVM against the in-process
//! OTLP receiver (gRPC, HTTP, gRPC with mTLS), a refused port, a collector that never answers, bad settings,
//! secrets that must stay off the screen, and worker properties with and without JmxReporter.

mod support;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::Receiver;

/// A hang detector, not a performance bound: the check must end well before this.
const HANG: Duration = Duration::from_secs(40);

fn jar() -> PathBuf {
    let jar = support::root().join("build/connect-otel-agent.jar");
    assert!(jar.is_file(), "{} is missing: run scripts/build.sh", jar.display());
    jar
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Run {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    fn failed(&self) -> Vec<&str> {
        self.lines().into_iter().filter(|l| l.starts_with('✗')).collect()
    }

    /// The one line that starts with `prefix`.
    fn line(&self, prefix: &str) -> &str {
        let found: Vec<&str> = self.lines().into_iter().filter(|l| l.starts_with(prefix)).collect();
        assert_eq!(found.len(), 1, "one line starting {prefix:?} expected:\n{self}");
        found[0]
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {} after {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.took, self.stdout, self.stderr
        )
    }
}

/// `java <jvm_args> -jar connect-otel-agent.jar check <args>` with only the `OTEL_*` variables in `env`.
fn check(jvm_args: &[&str], args: &[&str], env: &[(&str, &str)]) -> Run {
    let java = std::env::var("CONNECT_OTEL_TEST_JAVA").unwrap_or_else(|_| "java".into());
    let mut cmd = Command::new(java);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")) {
        cmd.env_remove(k);
    }
    // A C locale, as in many containers: the marks must still come out as UTF-8.
    cmd.env("LC_ALL", "C").env_remove("LANG");
    cmd.args(jvm_args).arg("-jar").arg(jar()).arg("check").args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().expect("start java");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            panic!("check did not end within {HANG:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = started.elapsed();
    let stdout = String::from_utf8(out_reader.join().unwrap()).expect("stdout is UTF-8");
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
        took,
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn empty_exports(receiver: &Receiver) -> usize {
    let store = receiver.store.lock().unwrap();
    assert!(
        store.metrics.iter().all(|m| m.request.resource_metrics.is_empty()),
        "the check must send only empty exports"
    );
    store.metrics.len()
}

#[test]
fn a_working_setup_passes_every_check_over_grpc_and_http() {
    let receiver = Receiver::start();
    let dir = support::temp_dir("check-ok");
    let worker = support::worker_properties(&dir, "cluster-ok", 18083);

    let run = check(
        &[],
        &[
            "--endpoint",
            &receiver.grpc_endpoint(),
            "--worker-config",
            &worker.display().to_string(),
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run}");
    assert!(run.failed().is_empty(), "{run}");
    assert!(run.lines()[0].starts_with("connect-otel check: connect-otel "), "{run}");
    let platform = run.line("✓ platform ");
    assert!(
        platform.starts_with("✓ platform linux-x86_64: the jar carries native/linux-x86_64/libconnect_otel.so"),
        "{run}"
    );
    let extracted = run.line("✓ extracted to ");
    assert!(
        extracted.contains("/libconnect_otel-") && extracted.contains("is private") && extracted.contains("0700"),
        "{run}"
    );
    assert!(
        run.line("✓ loaded ")
            .ends_with(&format!(": connect-otel {}, ABI 3", env!("CARGO_PKG_VERSION"))),
        "{run}"
    );
    run.line("✓ configuration: no problems (1 settings given)");
    assert!(
        run.line("✓ collector ").starts_with(&format!(
            "✓ collector {} (OTLP/gRPC) accepted an empty export",
            receiver.grpc_endpoint()
        )),
        "{run}"
    );
    run.line(&format!("✓ worker configuration {} is readable", worker.display()));
    run.line("✓ group.id=cluster-ok: a distributed worker");
    run.line("✓ JmxReporter is in effect");
    assert!(run.lines().last().unwrap().starts_with("all "), "{run}");
    assert_eq!(empty_exports(&receiver), 1);

    // HTTP/protobuf, chosen by a setting after the options; /v1/metrics is appended as for the agent.
    let run = check(
        &[],
        &[
            "--endpoint",
            &receiver.http_endpoint(),
            "otel.exporter.otlp.protocol=http/protobuf,otel.exporter.otlp.compression=gzip",
        ],
        &[],
    );
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.line("✓ collector ").starts_with(&format!(
            "✓ collector {}/v1/metrics (OTLP/HTTP) accepted an empty export",
            receiver.http_endpoint()
        )),
        "{run}"
    );
    // Without a worker file there is nothing to judge: a check not made, not a failure.
    run.line("- worker configuration: none given");
    assert_eq!(empty_exports(&receiver), 2);
}

#[test]
fn mtls_passes_with_the_client_certificate_and_fails_without() {
    let dir = support::temp_dir("check-tls");
    support::certificates(&dir);
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    let receiver = Receiver::start_with_tls(Some((read("server.pem"), read("server.key"), read("ca.pem"))));
    let endpoint = format!("https://127.0.0.1:{}", receiver.grpc.port());
    let path = |f: &str| dir.join(f).display().to_string();

    let run = check(
        &[],
        &["--endpoint", &endpoint],
        &[
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", &path("ca.pem")),
            ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", &path("client.pem")),
            ("OTEL_EXPORTER_OTLP_CLIENT_KEY", &path("client.key")),
        ],
    );
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.line("✓ collector ")
            .starts_with(&format!("✓ collector {endpoint} (OTLP/gRPC, mTLS) accepted")),
        "{run}"
    );
    assert!(!run.stdout.contains("BEGIN") && !run.stderr.contains("BEGIN"), "{run}");
    assert_eq!(empty_exports(&receiver), 1);

    let run = check(
        &[],
        &["--endpoint", &endpoint, "otel.exporter.otlp.timeout=3000"],
        &[("OTEL_EXPORTER_OTLP_CERTIFICATE", &path("ca.pem"))],
    );
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.line("✗ collector ")
            .starts_with(&format!("✗ collector {endpoint} (OTLP/gRPC, TLS): ")),
        "{run}"
    );
    assert_eq!(
        empty_exports(&receiver),
        1,
        "nothing may arrive without a client certificate"
    );
}

#[test]
fn a_refused_port_fails_promptly() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    // A long timeout: a refused connection must not wait for it.
    let run = check(&[], &["--endpoint", &endpoint, "otel.exporter.otlp.timeout=20000"], &[]);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.failed().len(), 1, "{run}");
    let line = run.line("✗ collector ");
    assert!(
        line.starts_with(&format!("✗ collector {endpoint} (OTLP/gRPC): ")),
        "{run}"
    );
    assert!(line.to_ascii_lowercase().contains("refused"), "{run}");
    assert!(run.took < Duration::from_secs(15), "{run}");
    assert!(run.lines().last().unwrap().starts_with("1 of "), "{run}");
}

#[test]
fn a_collector_that_accepts_and_never_answers_fails_within_the_timeout() {
    // The kernel completes the connections into the backlog; nobody ever reads or answers.
    let black_hole = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://127.0.0.1:{}", black_hole.local_addr().unwrap().port());
    for protocol in ["grpc", "http/protobuf"] {
        let run = check(
            &[],
            &[
                "--endpoint",
                &endpoint,
                &format!("otel.exporter.otlp.protocol={protocol},otel.exporter.otlp.timeout=1500"),
            ],
            &[],
        );
        assert_eq!(run.code, 1, "{run}");
        let line = run.line("✗ collector ");
        assert!(line.contains(&endpoint), "{run}");
        assert!(
            line.contains("no answer within the timeout of 1500 ms (otel.exporter.otlp.timeout)"),
            "{run}"
        );
        // The timeout, plus the check's 2 s of slack, plus a JVM's start.
        assert!(
            run.took >= Duration::from_millis(1500) && run.took < Duration::from_secs(12),
            "{run}"
        );
    }
    drop(black_hole);
}

#[test]
fn bad_settings_are_each_named_with_their_source() {
    let receiver = Receiver::start();
    let run = check(
        &["-Dotel.exporter.otlp.compression=zip"],
        &[
            "--endpoint",
            &receiver.grpc_endpoint(),
            "otel.metric.export.interval=soon",
            "otel.connect.metrics.jvm.enabeld=false",
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{run}");
    let failed = run.failed().join("\n");
    assert!(
        failed.contains("✗ configuration: otel.metric.export.interval=\"soon\" (agent argument) is not valid"),
        "{run}"
    );
    assert!(
        failed.contains("otel.exporter.otlp.compression=\"zip\" (system property) is not valid: expected gzip or none"),
        "{run}"
    );
    assert!(failed.contains("unknown key otel.connect.metrics.jvm.enabeld"), "{run}");
    assert!(
        run.stdout
            .contains("    otel.exporter.otlp.compression = zip (system property)"),
        "{run}"
    );
    // The compression problem turns the metrics exporter off, as in the agent: no collector to ask.
    run.line("- collector: not asked");
}

#[test]
fn secrets_never_reach_the_output_but_the_headers_reach_the_collector() {
    let receiver = Receiver::start();
    let header_secret = "SeCrEt-Header-1";
    let secrets = [header_secret, "SeCrEt-Rest-2", "SeCrEt-Url-3", "SeCrEt-Typo-4"];
    let run = check(
        &["-Dotel.connect.rest.password=SeCrEt-Rest-2"],
        &[
            "--endpoint",
            &receiver.grpc_endpoint(),
            "otel.connect.rest.url=http://admin:SeCrEt-Url-3@127.0.0.1:18083",
            // A misspelt key is named with its value, which must still be masked.
            "otel.connect.rest.passwd=SeCrEt-Typo-4",
        ],
        &[(
            "OTEL_EXPORTER_OTLP_HEADERS",
            &format!("x-api-key={header_secret},x-tenant=t1"),
        )],
    );
    for s in secrets {
        assert!(!run.stdout.contains(s) && !run.stderr.contains(s), "{s} leaked:\n{run}");
    }
    assert!(
        run.stdout
            .contains("    otel.exporter.otlp.headers = x-api-key=***,x-tenant=*** (environment)"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("    otel.connect.rest.password = *** (system property)"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("    otel.connect.rest.url = http://***@127.0.0.1:18083 (agent argument)"),
        "{run}"
    );
    // Named, whichever way its value is hidden.
    run.line("✗ configuration: unknown key otel.connect.rest.passwd=");
    run.line("✓ collector ");
    let store = receiver.store.lock().unwrap();
    assert_eq!(store.metrics.len(), 1);
    assert_eq!(
        store.metrics[0].headers.get("x-api-key").map(String::as_str),
        Some(header_secret)
    );
}

#[test]
fn worker_properties_with_and_without_jmx_reporter() {
    let receiver = Receiver::start();
    let dir = support::temp_dir("check-worker");
    let jmx = "org.apache.kafka.common.metrics.JmxReporter";
    let run_with = |file: &str, as_setting: bool| {
        let setting = format!("otel.connect.worker.config={file}");
        let mut args = vec!["--endpoint".to_string(), receiver.grpc_endpoint()];
        if as_setting {
            args.push(setting);
        } else {
            args.extend(["--worker-config".to_string(), file.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        check(&[], &args, &[])
    };

    let listed = write(
        &dir,
        "listed.properties",
        &format!("group.id=g\nmetric.reporters=io.example.Reporter,{jmx}\n"),
    );
    let run = run_with(&listed, true);
    assert_eq!(run.code, 0, "{run}");
    run.line(&format!("✓ JmxReporter is in effect: metric.reporters lists {jmx}"));

    // Kafka 4.x: a metric.reporters without JmxReporter leaves Connect without MBeans.
    let replaced = write(
        &dir,
        "replaced.properties",
        "group.id=g\nmetric.reporters=io.example.Reporter\n",
    );
    let run = run_with(&replaced, false);
    assert_eq!(run.code, 1, "{run}");
    assert_eq!(run.failed().len(), 1, "{run}");
    assert!(
        run.line("✗ the worker's metric.reporters (io.example.Reporter) does not list")
            .contains(jmx),
        "{run}"
    );

    // Kafka 3.x: auto.include.jmx.reporter=false drops the JmxReporter it would add.
    let kafka3 = write(
        &dir,
        "kafka3.properties",
        "group.id=g\nauto.include.jmx.reporter=false\n",
    );
    let run = run_with(&kafka3, false);
    assert_eq!(run.code, 1, "{run}");
    run.line("✗ the worker sets auto.include.jmx.reporter=false");

    let missing = dir.join("missing.properties").display().to_string();
    let run = run_with(&missing, false);
    assert_eq!(run.code, 1, "{run}");
    run.line(&format!("✗ worker configuration {missing} cannot be read"));
}

#[test]
fn a_platform_the_jar_does_not_carry_is_named_with_the_ones_it_does() {
    let run = check(&["-Dos.arch=s390x"], &[], &[]);
    assert_eq!(run.code, 1, "{run}");
    let line = run.line("✗ ");
    assert!(
        line.starts_with("✗ no native library for linux-s390x; this jar carries ") && line.contains("linux-x86_64"),
        "{run}"
    );
    // Nothing after a library that cannot load.
    assert_eq!(run.lines().last().unwrap(), &"1 of 1 checks failed", "{run}");
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let run = check(&[], &["--bogus"], &[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("connect-otel: check: unknown option --bogus"),
        "{run}"
    );
    let run = check(&[], &["--endpoint"], &[]);
    assert_eq!(run.code, 2, "{run}");
    let run = check(&[], &["--help"], &[]);
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stdout.contains("--worker-config FILE"), "{run}");
}
