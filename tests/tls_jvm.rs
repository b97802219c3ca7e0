//! OTLP over TLS with a client certificate (mTLS): certificates made here with openssl, a gRPC receiver that
//! requires them, and the agent configured with the OpenTelemetry certificate settings.

mod support;

use std::time::Duration;

use support::{JvmBuilder, Receiver};

const WAIT: Duration = Duration::from_secs(30);

#[test]
fn metrics_arrive_over_mtls_and_a_missing_client_certificate_is_refused() {
    let dir = support::temp_dir("tls");
    support::certificates(&dir);
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    let receiver = Receiver::start_with_tls(Some((read("server.pem"), read("server.key"), read("ca.pem"))));
    let endpoint = format!("https://127.0.0.1:{}", receiver.grpc.port());
    let path = |f: &str| dir.join(f).display().to_string();

    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={endpoint},otel.metric.export.interval=1000"
        ))
        .env("OTEL_EXPORTER_OTLP_CERTIFICATE", &path("ca.pem"))
        .env("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", &path("client.pem"))
        .env("OTEL_EXPORTER_OTLP_CLIENT_KEY", &path("client.key"))
        .spawn();
    jvm.cmd("worker");
    let p = receiver.wait_for(WAIT, "metrics over mTLS", |p| {
        p.iter().any(|x| x.name == "kafka.connect.worker.connector_count")
    });
    assert!(p.iter().any(|x| x.name == "jvm.thread.count"));
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(status.success());
    assert!(
        stderr.contains("grpc https://127.0.0.1") && stderr.contains("mTLS"),
        "{stderr}"
    );
    assert!(!stderr.contains("BEGIN"), "key material reached the log");

    // Same CA, no client certificate: the receiver refuses the handshake; the worker is unaffected.
    let before = receiver.metric_requests();
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={endpoint},otel.metric.export.interval=500,otel.exporter.otlp.timeout=2000"
        ))
        .env("OTEL_EXPORTER_OTLP_CERTIFICATE", &path("ca.pem"))
        .spawn();
    jvm.cmd("worker");
    jvm.wait_for_stderr("metric export to https://127.0.0.1", WAIT);
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
    assert_eq!(
        receiver.metric_requests(),
        before,
        "nothing may arrive without a client certificate"
    );
}
