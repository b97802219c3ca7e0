//! The real-Kafka provisioning script's bad-input paths: a clear error, a non-zero exit, nothing left running.

mod support;

use std::process::Command;

fn run_script(env: &[(&str, &str)], args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(support::root().join("scripts/kafka-cluster.sh"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run scripts/kafka-cluster.sh");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).to_string())
}

#[test]
fn missing_java_is_named() {
    let (ok, err) = run_script(&[("KAFKA_JAVA", "/nonexistent/bin/java")], &["run", "--workers", "1"]);
    assert!(!ok);
    assert!(
        err.contains("kafka-cluster: error: Java (/nonexistent/bin/java) is not installed"),
        "{err}"
    );
}

#[test]
fn a_kafka_version_maven_cannot_fetch_is_named() {
    let (ok, err) = run_script(&[("KAFKA_VERSION", "0.0.0-none")], &["fetch"]);
    assert!(!ok);
    assert!(
        err.contains("could not fetch Kafka 0.0.0-none (is Maven Central reachable?"),
        "{err}"
    );
    assert!(!support::root().join(".cache/kafka-0.0.0-none/libs/.complete").exists());
}

#[test]
fn unknown_options_are_refused() {
    let (ok, err) = run_script(&[], &["run", "--wrokers", "2"]);
    assert!(!ok);
    assert!(err.contains("unknown option --wrokers"), "{err}");
}
