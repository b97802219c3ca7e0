//! The shipped agent jar carries nothing test-only: no `TestHooks` class, no test native declared on
//! `NativeAgent`, no test export in its library. The test jar (`scripts/build.sh --test`), where the same checks
//! find all three, shows that they can fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSymbol};

const TEST_HOOKS: [&str; 3] = ["panicForTest", "benchCollect", "benchPaired"];

fn jar(path: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    assert!(p.is_file(), "{} is missing: run scripts/build.sh --test", p.display());
    p
}

fn entries(jar: &Path) -> Vec<String> {
    let out = Command::new("jar").arg("tf").arg(jar).output().expect("run jar");
    assert!(out.status.success(), "jar tf {} failed", jar.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// What `javap -p` prints of a class in the jar.
fn javap(jar: &Path, class: &str) -> String {
    let out = Command::new("javap")
        .arg("-p")
        .arg("-cp")
        .arg(jar)
        .arg(class)
        .output()
        .expect("run javap");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The x86_64 library's exported symbols.
fn exports(jar: &Path) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("jar")
        .arg("xf")
        .arg(jar)
        .arg("native/linux-x86_64/libconnect_otel.so")
        .current_dir(dir.path())
        .status()
        .expect("run jar");
    assert!(status.success());
    let data = std::fs::read(dir.path().join("native/linux-x86_64/libconnect_otel.so")).unwrap();
    let file = object::File::parse(&*data).unwrap();
    file.dynamic_symbols()
        .filter(|s| s.is_definition() && s.is_global())
        .filter_map(|s| s.name().ok().map(str::to_owned))
        .collect()
}

#[test]
fn the_shipped_jar_carries_nothing_test_only() {
    let shipped = jar("build/connect-otel-agent.jar");
    let test = jar("build/test/connect-otel-agent.jar");
    let hooks = "io/connectotel/agent/internal/TestHooks.class";

    let e = entries(&shipped);
    assert!(
        e.iter().any(|e| e == "io/connectotel/agent/internal/NativeAgent.class"),
        "{e:?}"
    );
    assert!(!e.iter().any(|e| e.contains("TestHooks")), "{e:?}");
    assert!(entries(&test).iter().any(|e| e == hooks), "the test jar has no {hooks}");

    let methods = javap(&shipped, "io.connectotel.agent.internal.NativeAgent");
    assert!(methods.contains("static native int start("), "{methods}");
    let test_hooks = javap(&test, "io.connectotel.agent.internal.TestHooks");
    let shipped_exports = exports(&shipped);
    let test_exports = exports(&test);
    assert!(shipped_exports
        .iter()
        .any(|s| s == "Java_io_connectotel_agent_internal_NativeAgent_start"));
    for hook in TEST_HOOKS {
        assert!(!methods.contains(hook), "NativeAgent declares {hook}:\n{methods}");
        assert!(
            test_hooks.contains(&format!(" {hook}(")),
            "TestHooks lacks {hook}:\n{test_hooks}"
        );
        let symbol = format!("Java_io_connectotel_agent_internal_TestHooks_{hook}");
        assert!(test_exports.contains(&symbol), "the test library lacks {symbol}");
        let leaked: Vec<_> = shipped_exports
            .iter()
            .filter(|s| s.ends_with(&format!("_{hook}")))
            .collect();
        assert!(leaked.is_empty(), "the shipped library exports {leaked:?}");
    }
}
