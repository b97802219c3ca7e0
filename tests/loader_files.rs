//! The loader never loads a file that another local user could have replaced, nor one that is not a complete
//! library for this machine, and it works for a user without a name. Real JVMs; other users are made with
//! `setpriv` (the tests run as root, as CI does).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use support::{root, JvmBuilder, Receiver, TestDir};

const HANG: Duration = Duration::from_secs(20);

fn lines_with<'a>(stderr: &'a str, needle: &str) -> Vec<&'a str> {
    stderr.lines().filter(|l| l.contains(needle)).collect()
}

/// Runs the fixture with the agent until it has said `expect`, ends it, and returns its stderr after a clean,
/// prompt exit.
fn run(jvm: JvmBuilder, expect: &str) -> String {
    let mut jvm = jvm.spawn();
    jvm.cmd("worker");
    jvm.wait_for_stderr(expect, HANG);
    let (status, took, stderr) = jvm.exit(HANG);
    assert!(status.success(), "the program did not exit 0: {status:?}\n{stderr}");
    assert!(took < Duration::from_secs(10), "exit took {took:?}\n{stderr}");
    stderr
}

fn dir(name: &str, mode: u32) -> TestDir {
    support::temp_dir_with_mode(name, mode)
}

fn with_library(path: &Path) -> JvmBuilder {
    JvmBuilder::new().args(&format!(
        "otel.connect.library.path={},otel.exporter.otlp.endpoint=http://127.0.0.1:1",
        path.display()
    ))
}

/// The one line the agent prints for a library file it refuses.
fn refusal(path: &Path) -> String {
    let err = run(with_library(path), "disabled");
    let ours = lines_with(&err, "connect-otel:");
    assert_eq!(ours.len(), 1, "{err}");
    assert!(!err.contains("started"), "{err}");
    ours[0].to_string()
}

#[test]
fn files_that_are_not_a_complete_library_for_this_machine_are_named_and_never_loaded() {
    let ours = root().join("build/native/linux-x86_64/libconnect_otel.so");
    let aarch64 = root().join("build/native/linux-aarch64/libconnect_otel.so");
    assert!(ours.is_file() && aarch64.is_file(), "run scripts/build.sh");
    let d = dir("badlibs", 0o755);
    let whole = std::fs::read(&ours).unwrap();

    let truncated = d.join("truncated.so");
    std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
    let line = refusal(&truncated);
    assert!(
        line.contains(&truncated.display().to_string()) && line.contains("truncated"),
        "{line}"
    );

    let empty = d.join("empty.so");
    std::fs::write(&empty, b"").unwrap();
    let line = refusal(&empty);
    assert!(
        line.contains("empty.so") && line.contains("it is not an ELF file"),
        "{line}"
    );

    let directory = d.join("a-directory.so");
    std::fs::create_dir(&directory).unwrap();
    let line = refusal(&directory);
    assert!(
        line.contains("a-directory.so") && line.contains("it is a directory"),
        "{line}"
    );

    // A FIFO would block the open forever: it is never opened.
    let fifo = d.join("fifo.so");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let line = refusal(&fifo);
    assert!(
        line.contains("fifo.so") && line.contains("not a regular file"),
        "{line}"
    );

    let line = refusal(&aarch64);
    assert!(
        line.contains("built for another machine (ELF machine 183, this JVM is x86_64)"),
        "{line}"
    );

    // A complete library of another project loads, and is then named as not ours.
    let libz = ["/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("zlib (a JDK dependency) is installed");
    let real = libz.canonicalize().unwrap();
    let line = refusal(&libz);
    assert!(
        line.contains(&format!("native library {} is not connect-otel's", real.display())),
        "{line}"
    );
}

#[test]
fn a_library_another_user_could_replace_is_refused() {
    let ours = root().join("build/native/linux-x86_64/libconnect_otel.so");
    // Directory writable by everyone, without the sticky bit: anyone can rename the file away and put another.
    let open = dir("openlib", 0o777);
    let lib = open.join("libconnect_otel.so");
    std::fs::copy(&ours, &lib).unwrap();
    let line = refusal(&lib);
    assert!(
        line.contains(&format!("refusing to load {}", lib.display()))
            && line.contains("can be changed by other users (mode 0777)"),
        "{line}"
    );
    // The file itself writable by others.
    let closed = dir("grouplib", 0o755);
    let lib = closed.join("libconnect_otel.so");
    std::fs::copy(&ours, &lib).unwrap();
    std::fs::set_permissions(&lib, std::fs::Permissions::from_mode(0o666)).unwrap();
    let line = refusal(&lib);
    assert!(line.contains("can be changed by other users (mode 0666)"), "{line}");
    // Owned by another (non-root) user.
    std::fs::set_permissions(&lib, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::chown(&lib, Some(54321), Some(54321)).unwrap();
    let line = refusal(&lib);
    assert!(line.contains("belongs to uid 54321"), "{line}");
}

/// A copy of what the fixture JVM reads (the test jar, the fixture and its jars), readable by any user
/// whatever the permissions above the checkout, and a `java` that runs as `uid` through `setpriv` with every
/// path into the checkout pointed at the copy. The copy lives as long as the directory returned.
fn as_user(uid: u32, name: &str) -> (TestDir, PathBuf) {
    let copy = dir(name, 0o755);
    let r = root();
    for part in ["build/test", "build/fixture", "build/examples", ".cache/fixture-lib"] {
        std::fs::create_dir_all(copy.join(part).parent().unwrap()).unwrap();
        assert!(Command::new("cp")
            .arg("-r")
            .arg(r.join(part))
            .arg(copy.join(part))
            .status()
            .unwrap()
            .success());
    }
    std::fs::copy(
        r.join("build/connect-otel-api.jar"),
        copy.join("build/connect-otel-api.jar"),
    )
    .unwrap();
    assert!(Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(&*copy)
        .status()
        .unwrap()
        .success());
    let java = copy.join("java-as-user");
    std::fs::write(
        &java,
        format!(
            "#!/usr/bin/env bash\nfrom='{}'\nto='{}'\nargs=()\nfor a in \"$@\"; do args+=(\"${{a//\"$from\"/\"$to\"}}\"); done\n\
             exec setpriv --reuid={uid} --regid={uid} --clear-groups java \"${{args[@]}}\"\n",
            r.display(),
            copy.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&java, std::fs::Permissions::from_mode(0o755)).unwrap();
    (copy, java)
}

#[test]
fn a_user_without_a_name_gets_its_own_private_directory() {
    let uid = 54321; // no passwd entry: the JVM's user.name is "?"
    let (_copy, java) = as_user(uid, "nameless");
    let tmp = dir("nameless-tmp", 0o1777);
    let receiver = Receiver::start();
    let err = run(
        JvmBuilder::new()
            .java(&java.display().to_string())
            .jvm_arg(&format!("-Djava.io.tmpdir={}", tmp.display()))
            .args(&format!(
                "otel.exporter.otlp.endpoint={},otel.metric.export.interval=500",
                receiver.grpc_endpoint()
            )),
        "started",
    );
    assert!(!err.contains("disabled"), "{err}");
    let private = tmp.join(format!("connect-otel-{uid}"));
    let meta = std::fs::metadata(&private).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), uid);
    assert_eq!(meta.permissions().mode() & 0o7777, 0o700);
}

/// Another user (`nobody`) swaps the agent's directory in the extraction directory, as fast as it can, for
/// one of its own holding its own library under the name ours has. Its library's constructor would leave a
/// marker. Where the tmpdir is world-writable without the sticky bit the agent refuses to extract there at
/// all; with the sticky bit the swap is impossible and ours loads. Either way the attacker never wins.
#[test]
fn another_user_swapping_the_extraction_directory_never_gets_its_library_loaded() {
    let work = dir("race", 0o755);
    let marker = work.join("attacker-code-ran");
    let evil_c = work.join("evil.c");
    std::fs::write(
        &evil_c,
        format!(
            "#include <stdio.h>\n__attribute__((constructor)) static void ran(void) {{ FILE *f = fopen(\"{}\", \"a\"); \
             if (f) {{ fputs(\"ran\\n\", f); fclose(f); }} }}\n",
            marker.display()
        ),
    )
    .unwrap();
    let evil = work.join("evil.so");
    assert!(Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&evil)
        .arg(&evil_c)
        .status()
        .unwrap()
        .success());
    std::fs::set_permissions(&evil, std::fs::Permissions::from_mode(0o755)).unwrap();
    // The marker's directory must be writable by whoever runs the attacker's code.
    std::fs::set_permissions(&work, std::fs::Permissions::from_mode(0o777)).unwrap();

    // Learn the file name ours is extracted under (it carries the content hash).
    let learn = dir("race-learn", 0o1777);
    run(
        JvmBuilder::new()
            .args("otel.exporter.otlp.endpoint=http://127.0.0.1:1")
            .jvm_arg(&format!("-Djava.io.tmpdir={}", learn.display())),
        "started",
    );
    let uid = support::effective_uid();
    // The library, not the lock files beside it.
    let name = std::fs::read_dir(learn.join(format!("connect-otel-{uid}")))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".so"))
        .expect("the extracted library");

    for (mode, expect) in [(0o777, "disabled"), (0o1777, "started")] {
        let tmp = dir(&format!("race-tmp-{mode:o}"), mode);
        // The agent has run here before (its directory exists, as on any worker that ran it once).
        run(
            JvmBuilder::new()
                .args("otel.exporter.otlp.endpoint=http://127.0.0.1:1")
                .jvm_arg(&format!("-Djava.io.tmpdir={}", tmp.display())),
            expect,
        );
        let attacker = start_attacker(&tmp, &format!("connect-otel-{uid}"), &name, &evil);
        let mut refused = 0;
        for _ in 0..10 {
            let err = run(
                JvmBuilder::new()
                    .args("otel.exporter.otlp.endpoint=http://127.0.0.1:1")
                    .jvm_arg(&format!("-Djava.io.tmpdir={}", tmp.display())),
                expect,
            );
            if mode == 0o777 {
                let ours = lines_with(&err, "connect-otel:");
                assert_eq!(ours.len(), 1, "{err}");
                assert!(
                    ours[0].contains(&format!(
                        "refusing to extract the native library under {}",
                        tmp.display()
                    )) && ours[0].contains("mode 0777"),
                    "{err}"
                );
                refused += 1;
            }
        }
        stop(attacker);
        assert!(
            !marker.exists(),
            "the attacker's library ran in the worker (tmpdir mode {mode:o})"
        );
        if mode == 0o777 {
            assert_eq!(refused, 10);
        }
    }
}

/// A bounded loop as `nobody`: moves the agent's directory aside and puts its own in its place.
fn start_attacker(tmp: &Path, dir_name: &str, lib_name: &str, evil: &Path) -> Child {
    let script = format!(
        "end=$((SECONDS + 60)); i=0; while [ $SECONDS -lt $end ]; do i=$((i + 1)); \
         mkdir -p {t}/evil-$i && cp {e} {t}/evil-$i/{l} 2>/dev/null; \
         mv {t}/{d} {t}/old-$i 2>/dev/null; mv {t}/evil-$i {t}/{d} 2>/dev/null; done",
        t = tmp.display(),
        e = evil.display(),
        l = lib_name,
        d = dir_name
    );
    let child = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "bash",
            "-c",
            &script,
        ])
        .process_group(0)
        .spawn()
        .expect("start the attacker");
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(300) {
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// Ends the attacker's whole process group: a `mv` its loop started would otherwise run on after the shell and
/// could put a directory of `nobody`'s back into the test's directory while it is being removed.
fn stop(mut attacker: Child) {
    let group = format!("-{}", attacker.id());
    let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
    let _ = attacker.wait();
}
