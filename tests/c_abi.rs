//! The C ABI: the committed header is what cbindgen generates from src/jni/c_abi.rs, and a C program compiled
//! against it links the library (the one the jar carries for linux-x86_64) and gets the right answers,
//! the self-check's included.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn committed_header_is_current() {
    let generated = include_str!(concat!(env!("OUT_DIR"), "/connect_otel.h"));
    let committed = std::fs::read_to_string(root().join("include/connect_otel.h")).expect("include/connect_otel.h");
    assert_eq!(
        committed, generated,
        "include/connect_otel.h is stale: copy it from the build's OUT_DIR (scripts/build.sh does)"
    );
}

#[test]
fn a_c_program_links_and_calls_the_library() {
    let lib_dir = root().join("build/native/linux-x86_64");
    assert!(
        lib_dir.join("libconnect_otel.so").is_file(),
        "build the library first (scripts/build.sh)"
    );
    let dir = tempfile::Builder::new().prefix("connect-otel-abi-").tempdir().unwrap();
    let out = dir.path().join("abi");
    let status = Command::new("cc")
        .args(["-std=c11", "-Wall", "-Werror", "-o"])
        .arg(&out)
        .arg(root().join("tests/c/abi.c"))
        .arg("-I")
        .arg(root().join("include"))
        .arg("-L")
        .arg(&lib_dir)
        .arg("-lconnect_otel")
        .status()
        .expect("run cc");
    assert!(status.success(), "cc failed");
    // A port nothing listens on: the self-check's collector line fails at once.
    let refused = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut command = Command::new(&out);
    // Hermetic: only the environment given here.
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")) {
        command.env_remove(k);
    }
    let run = command
        .env("LD_LIBRARY_PATH", &lib_dir)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{refused}"))
        .output()
        .expect("run the C program");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8_lossy(&run.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!("abi=3 version={}", env!("CARGO_PKG_VERSION")));
    assert_eq!(
        lines[1],
        format!("✓ library connect-otel {}, ABI 3", env!("CARGO_PKG_VERSION"))
    );
    let report = &lines[1..lines.len() - 2];
    assert!(
        report.contains(&"✓ configuration: no problems (3 settings given)"),
        "{stdout}"
    );
    assert!(
        report.contains(&"    otel.service.name = c-abi (agent argument)"),
        "{stdout}"
    );
    let collector = report
        .iter()
        .find(|l| l.contains("collector"))
        .expect("a collector line");
    assert!(
        collector.starts_with(&format!("✗ collector http://{refused} (OTLP/gRPC)")),
        "{stdout}"
    );
    assert!(
        report
            .iter()
            .any(|l| l.starts_with("- worker configuration: none given")),
        "{stdout}"
    );
    let failed = report.iter().filter(|l| l.starts_with("✗")).count();
    assert_eq!(failed, 1, "{stdout}");
    assert_eq!(lines[lines.len() - 2], format!("failed=1 lines={}", report.len()));
    assert_eq!(lines[lines.len() - 1], "quiet failed=1");
    let _ = std::fs::remove_file(out);
}
