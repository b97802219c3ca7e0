//! The private extraction directory keeps the library of every build that runs, and no other: a JVM of a
//! newer build removes what earlier builds left, but never the library a running JVM holds in use (its
//! shared lock, see `NativeLoader.removeStale`). Real JVMs of two builds: the test jar and the shipped jar
//! carry different libraries, so they extract different files.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use support::JvmBuilder;

const HANG: Duration = Duration::from_secs(20);

fn files(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn libraries(dir: &Path) -> BTreeSet<String> {
    files(dir).into_iter().filter(|n| n.ends_with(".so")).collect()
}

fn agent(jar: &Path, tmp: &Path) -> JvmBuilder {
    JvmBuilder::new()
        .jar(jar)
        .args("otel.exporter.otlp.endpoint=http://127.0.0.1:1")
        .jvm_arg(&format!("-Djava.io.tmpdir={}", tmp.display()))
}

/// Starts the agent, waits until it has started, and stops it.
fn run(jvm: JvmBuilder) {
    let mut jvm = jvm.spawn();
    jvm.cmd("worker");
    jvm.wait_for_stderr("started", HANG);
    let (status, _, stderr) = jvm.exit(HANG);
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("disabled"), "{stderr}");
}

#[test]
fn stale_libraries_are_removed_but_never_one_a_running_jvm_uses() {
    let tmp = support::temp_dir_with_mode("stale", 0o1777);
    let private = tmp.join(format!("connect-otel-{}", support::effective_uid()));
    let (test_jar, shipped_jar) = (support::agent_jar(), support::release_jar());

    // A worker of one build runs on.
    let mut running = agent(&test_jar, &tmp).spawn();
    running.cmd("worker");
    running.wait_for_stderr("started", HANG);
    let in_use = libraries(&private);
    assert_eq!(in_use.len(), 1, "{:?}", files(&private));

    // What older builds left: a library with its lock file, one from before the locks, a dead extraction.
    std::fs::write(private.join("libconnect_otel-00000000000000aa.so"), b"old").unwrap();
    std::fs::write(private.join("libconnect_otel-00000000000000aa.lock"), b"").unwrap();
    std::fs::write(private.join("libconnect_otel-00000000000000bb.so"), b"older").unwrap();
    let dead = private.join("libconnect_otel-42.tmp");
    std::fs::write(&dead, b"partial").unwrap();
    assert!(Command::new("touch")
        .args(["-d", "3 hours ago"])
        .arg(&dead)
        .status()
        .unwrap()
        .success());

    // A worker of another build starts: the old files go, the running worker's library stays.
    run(agent(&shipped_jar, &tmp));
    let now = libraries(&private);
    assert_eq!(now.len(), 2, "{:?}", files(&private));
    assert!(
        now.is_superset(&in_use),
        "the running JVM's library was removed: {:?}",
        files(&private)
    );
    let left = files(&private);
    for gone in [
        "libconnect_otel-00000000000000aa.so",
        "libconnect_otel-00000000000000aa.lock",
        "libconnect_otel-00000000000000bb.so",
        "libconnect_otel-42.tmp",
    ] {
        assert!(!left.contains(gone), "{gone} is still there: {left:?}");
    }
    // A second worker of the running build starts from the same file (and removes the other build's, which
    // nobody runs now).
    run(agent(&test_jar, &tmp));
    assert_eq!(libraries(&private), in_use);
    let (status, _, stderr) = running.exit(HANG);
    assert!(status.success(), "{stderr}");

    // Once nobody runs it, the next start of the other build removes it.
    run(agent(&shipped_jar, &tmp));
    let last = libraries(&private);
    assert_eq!(last.len(), 1, "{:?}", files(&private));
    assert!(last.is_disjoint(&in_use), "{:?}", files(&private));
}
