//! The Java shim's unit tests (java-shim/src/test/java, JUnit 5's Jupiter API on the JUnit Platform console
//! launcher): the shim's sources and the tests are compiled here and run in one JVM, and any failed or missing
//! test fails this test. The launcher jar comes from scripts/fetch-test-deps.sh.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const JUNIT: &str = ".cache/junit-lib/junit-platform-console-standalone.jar";
/// connect-api and kafka-clients (Connect's `Headers` and their implementation), from the fixture's jars.
const KAFKA_JARS: &str = ".cache/fixture-lib";

fn java_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            java_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "java") {
            out.push(p);
        }
    }
}

fn javac(release: &str, lint: &str, classpath: &str, out: &Path, sources: &[PathBuf]) {
    let run = Command::new("javac")
        .args([
            "--release",
            release,
            lint,
            "-Werror",
            "-encoding",
            "UTF-8",
            "-cp",
            classpath,
            "-d",
        ])
        .arg(out)
        .args(sources)
        .output()
        .expect("run javac");
    assert!(
        run.status.success(),
        "javac failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn the_java_shims_unit_tests_pass() {
    let r = root();
    assert!(
        r.join(JUNIT).is_file(),
        "{JUNIT} is missing: run scripts/fetch-test-deps.sh"
    );
    assert!(
        r.join(KAFKA_JARS).join(".complete").is_file(),
        "{KAFKA_JARS} is missing: run scripts/fetch-test-deps.sh"
    );
    let kafka = format!("{}/*", r.join(KAFKA_JARS).display());
    // Removed when dropped, also when a compilation fails.
    let work = tempfile::Builder::new()
        .prefix("connect-otel-java-unit-")
        .tempdir()
        .unwrap();
    let (main, test) = (work.path().join("main"), work.path().join("test"));
    std::fs::create_dir_all(&main).unwrap();
    std::fs::create_dir_all(&test).unwrap();

    // The shim as it ships (Java 11), then the tests against it (the JUnit API needs 17).
    let mut sources = Vec::new();
    java_files(&r.join("java-shim/src/main/java"), &mut sources);
    javac("11", "-Xlint:all", &kafka, &main, &sources);
    let mut tests = Vec::new();
    java_files(&r.join("java-shim/src/test/java"), &mut tests);
    let classpath = format!("{}:{kafka}:{}", main.display(), r.join(JUNIT).display());
    // A lock taken in try-with-resources is held by the block, not used in it.
    javac("17", "-Xlint:all,-try", &classpath, &test, &tests);

    // On the system class path, where the API finds the agent's SpanBridge (as in a worker).
    let run = Command::new("java")
        .arg(format!("-Dconnect-otel.root={}", r.display()))
        .arg("-cp")
        .arg(format!("{}:{classpath}", test.display()))
        .args([
            "org.junit.platform.console.ConsoleLauncher",
            "execute",
            "--disable-banner",
            "--disable-ansi-colors",
            "--details=tree",
            "--fail-if-no-tests",
            "--scan-class-path",
        ])
        .arg(&test)
        .output()
        .expect("run the JUnit console launcher");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "Java unit tests failed:\n{stdout}\n{stderr}");
    // The summary's own count against the tests in the sources, so that a run that found fewer (or none)
    // cannot pass.
    let declared: usize = tests
        .iter()
        .map(|t| {
            std::fs::read_to_string(t)
                .unwrap()
                .lines()
                .filter(|l| l.trim() == "@Test")
                .count()
        })
        .sum();
    let succeeded = stdout
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix('[')
                .and_then(|l| l.trim_start().split_once(" tests successful"))
        })
        .and_then(|(n, _)| n.trim().parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no summary in:\n{stdout}"));
    assert!(declared > 0);
    assert_eq!(
        succeeded, declared,
        "not every declared Java test ran and passed:\n{stdout}"
    );
}
