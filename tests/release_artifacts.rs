//! What `scripts/dist.sh` writes (scripts/test.sh runs it first): versioned jars, a POM that Maven installs,
//! checksums that verify, and a jar that says what it is.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn dist(name: &str) -> PathBuf {
    let p = root().join("dist").join(name);
    assert!(p.is_file(), "{} is missing: run scripts/dist.sh", p.display());
    p
}

#[test]
fn the_checksums_cover_every_artifact_and_verify() {
    let sums = std::fs::read_to_string(dist("SHA256SUMS")).unwrap();
    let mut named: Vec<&str> = sums.lines().filter_map(|l| l.split_whitespace().nth(1)).collect();
    named.sort();
    let mut expected = vec![
        format!("connect-otel-agent-{VERSION}.jar"),
        format!("connect-otel-api-{VERSION}.jar"),
        format!("connect-otel-api-{VERSION}.pom"),
    ];
    expected.sort();
    assert_eq!(named, expected);
    let check = Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(root().join("dist"))
        .output()
        .expect("run sha256sum");
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
}

#[test]
fn the_agent_jar_names_its_version_commit_and_platforms() {
    let out = Command::new("java")
        .arg("-jar")
        .arg(dist(&format!("connect-otel-agent-{VERSION}.jar")))
        .arg("--version")
        .output()
        .expect("run java");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output()
        .unwrap();
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // A build from a work tree with changes says so ("-dirty"); CI builds a clean clone.
    let prefix = format!("connect-otel {VERSION} (commit {head}");
    assert!(line.starts_with(&prefix), "{line}\nexpected it to start with {prefix}");
    assert!(
        line.ends_with("native libraries for linux-x86_64, linux-aarch64, linux-x86_64-musl, linux-aarch64-musl"),
        "{line}"
    );
}

/// The POM and the jar go into a Maven repository as a connector build would install them.
#[test]
fn maven_installs_the_api_jar_with_its_pom() {
    let tmp = tempfile::Builder::new().prefix("connect-otel-m2-").tempdir().unwrap();
    let repo = tmp.path();
    let out = Command::new("mvn")
        .args(["-B", "-q", "install:install-file"])
        .arg(format!(
            "-Dfile={}",
            dist(&format!("connect-otel-api-{VERSION}.jar")).display()
        ))
        .arg(format!(
            "-DpomFile={}",
            dist(&format!("connect-otel-api-{VERSION}.pom")).display()
        ))
        .arg(format!("-DlocalRepositoryPath={}", repo.display()))
        .output()
        .expect("run mvn");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let installed = repo.join(format!("io/connectotel/connect-otel-api/{VERSION}"));
    for file in [
        format!("connect-otel-api-{VERSION}.jar"),
        format!("connect-otel-api-{VERSION}.pom"),
    ] {
        assert!(
            installed.join(&file).is_file(),
            "{file} not installed under {}",
            installed.display()
        );
    }
}

#[test]
fn the_api_jar_holds_only_the_public_api() {
    let out = Command::new("jar")
        .arg("tf")
        .arg(dist(&format!("connect-otel-api-{VERSION}.jar")))
        .output()
        .expect("run jar");
    let listing = String::from_utf8_lossy(&out.stdout);
    let classes: Vec<&str> = listing.lines().filter(|l| l.ends_with(".class")).collect();
    assert!(
        classes
            .iter()
            .any(|c| c.ends_with("io/connectotel/api/ConnectOtel.class")),
        "{listing}"
    );
    let foreign: Vec<&&str> = classes
        .iter()
        .filter(|c| !c.starts_with("io/connectotel/api/"))
        .collect();
    assert!(foreign.is_empty(), "{foreign:?}");
}
