//! The musl libraries, and the aarch64 glibc one, on their own C library. No registry this project reaches
//! has a musl JVM, so a C program (tests/c/dlopen_check.c), compiled with zig for the platform and dynamically
//! linked, dlopens the library the release jar carries and calls its C ABI: both version functions, then the
//! self-check, whose empty export must reach this test's receiver over gRPC with mTLS. That runs the
//! library's whole export stack (tokio, tonic, rustls) on that C library.
//! x86_64 musl runs on Debian's musl loader (/lib/ld-musl-x86_64.so.1); the aarch64 programs run under
//! qemu-aarch64-static with .cache/arm64-jvm/root (Debian's arm64 glibc and musl) as the loader's root.
//! scripts/fetch-cross-runtimes.sh installs all three.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use support::{root, Receiver};

struct Platform {
    /// The jar's folder name, native/<name>/.
    name: &'static str,
    zig_target: &'static str,
    /// Runs under qemu-aarch64-static rather than on this machine.
    emulated: bool,
}

const X86_64_MUSL: Platform = Platform {
    name: "linux-x86_64-musl",
    zig_target: "x86_64-linux-musl",
    emulated: false,
};
const AARCH64_MUSL: Platform = Platform {
    name: "linux-aarch64-musl",
    zig_target: "aarch64-linux-musl",
    emulated: true,
};
const AARCH64_GLIBC: Platform = Platform {
    name: "linux-aarch64",
    zig_target: "aarch64-linux-gnu.2.17",
    emulated: true,
};

const FETCH: &str = "run scripts/fetch-cross-runtimes.sh (as root; it installs musl and qemu-user-static)";

fn arm64_root() -> PathBuf {
    let dir = root().join(".cache/arm64-jvm");
    assert!(
        dir.join(".complete").is_file(),
        "no arm64 runtime folder at {}: {FETCH}",
        dir.display()
    );
    dir.join("root")
}

/// The ABI version the header promises.
fn header_abi() -> u32 {
    let header = std::fs::read_to_string(root().join("include/connect_otel.h")).unwrap();
    header
        .lines()
        .find_map(|l| l.strip_prefix("#define CONNECT_OTEL_ABI_VERSION "))
        .and_then(|v| v.trim().parse().ok())
        .expect("CONNECT_OTEL_ABI_VERSION in include/connect_otel.h")
}

/// tests/c/dlopen_check.c built for `platform` into `dir`.
fn compile(platform: &Platform, dir: &Path) -> PathBuf {
    let zig = root().join(".cache/tools/venv/bin/python-zig");
    assert!(zig.is_file(), "{} is missing: run scripts/setup.sh", zig.display());
    let out = dir.join(format!("dlopen_check-{}", platform.name));
    let mut cc = Command::new(&zig);
    cc.args(["cc", "-target", platform.zig_target]);
    if platform.zig_target.ends_with("musl") {
        // zig links musl programs statically by default, and a static musl program cannot dlopen.
        cc.arg("-dynamic");
    }
    // -O2: a debug build would link zig's sanitizer runtime, which needs symbols newer than Debian's musl.
    let output = cc
        .args(["-O2", "-std=gnu11", "-Wall", "-Werror", "-I"])
        .arg(root().join("include"))
        .arg("-o")
        .arg(&out)
        .arg(root().join("tests/c/dlopen_check.c"))
        .output()
        .expect("run zig cc");
    assert!(
        output.status.success(),
        "zig cc -target {}: {}",
        platform.zig_target,
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// Compiles the program, runs it on `platform`'s library with `settings` and returns its stdout.
fn run_check(platform: &Platform, settings: &str, dir: &Path) -> String {
    let library = support::release_library(platform.name, dir);
    let program = compile(platform, dir);
    let mut command = if platform.emulated {
        let qemu = "qemu-aarch64-static";
        assert!(
            Command::new(qemu).arg("--version").output().is_ok(),
            "no {qemu}: {FETCH}"
        );
        let mut c = Command::new(qemu);
        c.arg("-L").arg(arm64_root()).arg(&program);
        c
    } else {
        assert!(
            Path::new("/lib/ld-musl-x86_64.so.1").exists(),
            "no musl loader: {FETCH}"
        );
        Command::new(&program)
    };
    // Hermetic: only the settings given here.
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")) {
        command.env_remove(k);
    }
    let started = Instant::now();
    let output = command.arg(&library).arg(settings).output().expect("run the C program");
    eprintln!("{}: the program ran {:?}", platform.name, started.elapsed());
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{}: exit {}\nstdout:\n{stdout}\nstderr:\n{}",
        platform.name,
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The versions, then a self-check whose collector probe reaches an mTLS receiver: every check passes and
/// the receiver holds the empty export.
fn check_platform(platform: &Platform) {
    let dir = support::temp_dir(&format!("platform-{}", platform.name));
    support::certificates(&dir);
    let read = |f: &str| std::fs::read(dir.join(f)).unwrap();
    let receiver = Receiver::start_with_tls(Some((read("server.pem"), read("server.key"), read("ca.pem"))));
    let endpoint = format!("https://127.0.0.1:{}", receiver.grpc.port());
    let path = |f: &str| dir.join(f).display().to_string();
    let settings = format!(
        "otel.exporter.otlp.endpoint={endpoint},otel.exporter.otlp.certificate={},\
         otel.exporter.otlp.client.certificate={},otel.exporter.otlp.client.key={}",
        path("ca.pem"),
        path("client.pem"),
        path("client.key")
    );

    let stdout = run_check(platform, &settings, &dir);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some(format!("abi={} version={}", header_abi(), env!("CARGO_PKG_VERSION")).as_str()),
        "{stdout}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&format!("✓ collector {endpoint}"))),
        "{}: no passed collector line:\n{stdout}",
        platform.name
    );
    assert_eq!(lines.last().copied(), Some("failed=0"), "{stdout}");
    let store = receiver.store.lock().unwrap();
    assert_eq!(
        store.metrics.len(),
        1,
        "{}: one export expected:\n{stdout}",
        platform.name
    );
    assert!(store.metrics[0].request.resource_metrics.is_empty());
}

#[test]
fn x86_64_musl_library_exports_over_mtls_on_musl() {
    check_platform(&X86_64_MUSL);
}

#[test]
fn aarch64_musl_library_exports_over_mtls_under_qemu() {
    check_platform(&AARCH64_MUSL);
}

#[test]
fn aarch64_glibc_library_exports_over_mtls_under_qemu() {
    check_platform(&AARCH64_GLIBC);
}
