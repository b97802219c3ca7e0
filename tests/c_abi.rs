//! The C ABI: the committed header is what cbindgen generates from src/ffi.rs, and a C program compiled
//! against it links the library and gets the right answers.

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
    let lib_dir = root().join("target/release");
    assert!(
        lib_dir.join("libconnect_otel.so").is_file(),
        "build the library first (scripts/build.sh)"
    );
    let out = std::env::temp_dir().join(format!("connect-otel-abi-{}", std::process::id()));
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
    let run = Command::new(&out)
        .env("LD_LIBRARY_PATH", &lib_dir)
        .output()
        .expect("run the C program");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(stdout.trim(), format!("abi=2 version={}", env!("CARGO_PKG_VERSION")));
    let _ = std::fs::remove_file(out);
}
