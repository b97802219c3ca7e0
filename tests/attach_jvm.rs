//! `java -jar connect-otel-agent.jar attach <pid> [key=value,...]` against real JVMs started without the agent:
//! the attached agent exports like a `-javaagent` one, a second start is refused on both sides, and every bad
//! target gets one line and is left as it was.
//!
//! The fixture's main class is `ConnectFixture`, not one of Kafka's Connect launchers, so attach refuses it
//! unless given `--force` (checked below); every other test passes `--force`. Its command line names a worker
//! properties file relative to its working directory, as `connect-distributed.sh config/...` does, so the
//! worker's identity comes from `sun.java.command` inside the target in both ways of starting the agent.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{agent_jar, worker_properties, Jvm, JvmBuilder, Point, Receiver, TestDir};

const WAIT: Duration = Duration::from_secs(30);
const VERSION: &str = env!("CARGO_PKG_VERSION");
const STARTED: &str = "connect-otel: info: started";
/// A header value in the options: it must reach the collector and no log line.
const SECRET: &str = "attach-secret-value";

fn java() -> String {
    std::env::var("CONNECT_OTEL_TEST_JAVA").unwrap_or_else(|_| "java".into())
}

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Outcome {
    /// The one line attach printed on stderr; it must start with `connect-otel:`.
    fn line(&self) -> &str {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert!(
            lines.len() == 1 && lines[0].starts_with("connect-otel: "),
            "expected one connect-otel line, got exit {:?}, stdout {:?}, stderr {:?}",
            self.code,
            self.stdout,
            self.stderr
        );
        lines[0]
    }
}

/// `prefix... java java_args... -jar <test jar> attach args...`
fn attach_cmd(prefix: &[&str], java_args: &[&str], args: &[&str]) -> Command {
    let java = java();
    let mut cmd = match prefix.split_first() {
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest).arg(&java);
            c
        }
        None => Command::new(&java),
    };
    cmd.args(java_args)
        .arg("-jar")
        .arg(agent_jar())
        .arg("attach")
        .args(args);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("OTEL_")) {
        cmd.env_remove(k);
    }
    cmd.stdin(Stdio::null());
    cmd
}

fn outcome(out: std::process::Output) -> Outcome {
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn attach(args: &[&str]) -> Outcome {
    outcome(attach_cmd(&[], &[], args).output().expect("run java -jar ... attach"))
}

fn options(receiver: &Receiver, interval_ms: u64) -> String {
    format!(
        "otel.exporter.otlp.endpoint={},otel.metric.export.interval={interval_ms},\
         otel.exporter.otlp.headers=x-api-key={SECRET}",
        receiver.grpc_endpoint()
    )
}

/// A fixture worker started as Connect's CLI is: `<main class> connect-distributed.properties` in `dir`.
fn fixture_worker(builder: JvmBuilder, dir: &Path) -> Jvm {
    let mut jvm = builder
        .program_arg("connect-distributed.properties")
        .current_dir(dir)
        .env("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=test")
        .spawn();
    jvm.cmd("worker");
    jvm.cmd("connector files source 2");
    jvm.cmd("connector orders:sink sink 1");
    jvm
}

fn worker_dir(name: &str) -> TestDir {
    let dir = support::temp_dir(name);
    worker_properties(&dir, "fixture-cluster", 18083);
    dir
}

/// Root with setpriv: the tests can run a process as nobody.
fn can_switch_user() -> bool {
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n");
    root.unwrap_or(false) && Path::new("/usr/bin/setpriv").exists()
}

fn has(points: &[Point], name: &str) -> bool {
    points.iter().any(|p| p.name == name)
}

fn sink_metrics(p: &[Point]) -> bool {
    has(p, "kafka.connect.sink.sink_record_read_total") && has(p, "kafka.connect.worker.connector_count")
}

/// The Connect series of a collection: name and attributes, values aside.
fn connect_series(points: &[Point]) -> BTreeSet<(String, BTreeMap<String, String>)> {
    points
        .iter()
        .filter(|p| p.name.starts_with("kafka.connect."))
        .map(|p| (p.name.clone(), p.attributes.clone()))
        .collect()
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Asks the target for the attached agent, waits for its first Connect export, returns when attach returned.
fn attach_and_wait(jvm: &Jvm, receiver: &Receiver, interval_ms: u64) -> Instant {
    let pid = jvm.pid().to_string();
    let opts = options(receiver, interval_ms);
    let out = attach(&["--force", &pid, &opts]);
    let returned = Instant::now();
    assert_eq!(out.code, Some(0), "attach failed: {} {}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout.trim(),
        format!(
            "connect-otel: the agent (version {VERSION}) runs in {pid} now; it writes its lines to that worker's \
             standard error"
        )
    );
    receiver.wait_for(WAIT, "the attached agent's Connect metrics", sink_metrics);
    // The options arrived whole (a header value with '=' in its pair), and were not printed.
    let headers = receiver.store.lock().unwrap().metrics[0].headers.clone();
    assert_eq!(headers.get("x-api-key").map(String::as_str), Some(SECRET));
    assert!(!out.stdout.contains(SECRET) && !out.stderr.contains(SECRET));
    assert!(!jvm.stderr().contains(SECRET), "{}", jvm.stderr());
    returned
}

#[test]
fn an_attached_agent_exports_within_one_interval_as_a_javaagent_one_does() {
    let interval = Duration::from_millis(3000);
    let dir = worker_dir("identity");

    let at_start = Receiver::start();
    let reference = fixture_worker(
        JvmBuilder::new().args(&options(&at_start, interval.as_millis() as u64)),
        &dir,
    );
    let expected = at_start.wait_for(WAIT, "the -javaagent run's Connect metrics", sink_metrics);
    let (status, _, _) = reference.exit(WAIT);
    assert!(status.success());

    let attached = Receiver::start();
    let jvm = fixture_worker(JvmBuilder::new().without_agent(), &dir);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(attached.metric_requests(), 0, "nothing exports before the attach");
    let returned = attach_and_wait(&jvm, &attached, interval.as_millis() as u64);
    let first = attached.store.lock().unwrap().metrics[0].at;
    let latency = first.duration_since(returned);
    eprintln!("first export {latency:?} after attach returned");
    assert!(
        latency <= interval,
        "first export {latency:?} after attach, interval {interval:?}"
    );
    let got = attached.latest_points();

    // The same resource, the worker's identity from the properties file on its command line included; only the
    // process differs.
    let without_pid = |p: &[Point]| {
        let mut r = p[0].resource.clone();
        r.remove("process.pid");
        r
    };
    assert_eq!(without_pid(&got), without_pid(&expected));
    assert_eq!(
        without_pid(&got).get("service.instance.id").map(String::as_str),
        Some("127.0.0.1:18083")
    );
    assert_eq!(
        without_pid(&got).get("kafka.connect.cluster").map(String::as_str),
        Some("fixture-cluster")
    );
    assert_eq!(got[0].resource.get("process.pid"), Some(&jvm.pid().to_string()));
    assert_eq!(connect_series(&got), connect_series(&expected));
    assert_eq!(count(&jvm.stderr(), STARTED), 1, "{}", jvm.stderr());
}

#[test]
fn attaching_again_is_refused_and_the_agent_keeps_exporting_once() {
    let receiver = Receiver::start();
    let dir = worker_dir("again");
    let jvm = fixture_worker(JvmBuilder::new().without_agent(), &dir);
    attach_and_wait(&jvm, &receiver, 1000);

    let pid = jvm.pid().to_string();
    let again = attach(&["--force", &pid, &options(&receiver, 1000)]);
    let refused_at = Instant::now();
    assert_eq!(again.code, Some(3));
    assert_eq!(
        again.line(),
        format!("connect-otel: already running in {pid} (version {VERSION}); nothing done")
    );
    // One agent collecting: one collection per second, each with one set of series.
    std::thread::sleep(Duration::from_secs(5));
    let store = receiver.store.lock().unwrap();
    let mut collections = BTreeSet::new();
    for r in store.metrics.iter().filter(|r| r.at >= refused_at) {
        let p = support::points(&r.request);
        let counts: Vec<&Point> = p
            .iter()
            .filter(|x| x.name == "kafka.connect.worker.connector_count")
            .collect();
        assert!(counts.len() <= 1, "one connector_count per request: {counts:?}");
        collections.extend(counts.iter().map(|x| x.time));
    }
    assert!(
        (3..=6).contains(&collections.len()),
        "{} collections in 5 s at a 1 s interval",
        collections.len()
    );
    let stderr = jvm.stderr();
    assert_eq!(count(&stderr, STARTED), 1, "{stderr}");
    assert_eq!(
        count(&stderr, "connect-otel: already running"),
        0,
        "refused outside: {stderr}"
    );
    assert!(!again.stderr.contains(SECRET) && !stderr.contains(SECRET));
}

#[test]
fn two_attaches_at_once_start_one_agent() {
    let receiver = Receiver::start();
    let dir = worker_dir("race");
    let jvm = fixture_worker(JvmBuilder::new().without_agent(), &dir);
    let pid = jvm.pid().to_string();
    let opts = options(&receiver, 1000);
    let racers: Vec<_> = (0..2)
        .map(|_| {
            attach_cmd(&[], &[], &["--force", &pid, &opts])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outcomes: Vec<Outcome> = racers
        .into_iter()
        .map(|c| outcome(c.wait_with_output().unwrap()))
        .collect();
    let mut codes: Vec<Option<i32>> = outcomes.iter().map(|o| o.code).collect();
    codes.sort();
    receiver.wait_for(WAIT, "the agent's Connect metrics", sink_metrics);
    std::thread::sleep(Duration::from_millis(500));
    let stderr = jvm.stderr();
    assert_eq!(count(&stderr, STARTED), 1, "{stderr}");
    // Either attach saw the first one's mark and refused, or both got in and the agent's own guard stopped the
    // second start with its one line.
    match codes.as_slice() {
        [Some(0), Some(3)] => assert_eq!(count(&stderr, "connect-otel: already running in this JVM"), 0),
        [Some(0), Some(0)] => assert_eq!(
            count(
                &stderr,
                &format!("connect-otel: already running in this JVM (version {VERSION}); this start does nothing")
            ),
            1,
            "{stderr}"
        ),
        other => panic!(
            "exit codes {other:?}: {:?}",
            outcomes.iter().map(|o| &o.stderr).collect::<Vec<_>>()
        ),
    }
    eprintln!("racing attaches exited {codes:?}");
}

#[test]
fn a_second_start_inside_the_jvm_does_nothing_but_one_line() {
    // Two -javaagent options: premain runs twice in one JVM, as agentmain does when two attaches race.
    let receiver = Receiver::start();
    let dir = worker_dir("twice");
    let jvm = fixture_worker(
        JvmBuilder::new()
            .args(&options(&receiver, 1000))
            .jvm_arg(&format!("-javaagent:{}", agent_jar().display())),
        &dir,
    );
    receiver.wait_for(WAIT, "the agent's Connect metrics", sink_metrics);
    let stderr = jvm.stderr();
    assert_eq!(count(&stderr, STARTED), 1, "{stderr}");
    let guard = format!("connect-otel: already running in this JVM (version {VERSION}); this start does nothing");
    assert_eq!(count(&stderr, &guard), 1, "{stderr}");

    // A worker started with -javaagent refuses attach too.
    let pid = jvm.pid().to_string();
    let out = attach(&["--force", &pid]);
    assert_eq!(out.code, Some(3));
    assert_eq!(
        out.line(),
        format!("connect-otel: already running in {pid} (version {VERSION}); nothing done")
    );
}

#[test]
fn a_jvm_that_is_not_a_connect_worker_is_refused_unless_forced() {
    let receiver = Receiver::start();
    let dir = worker_dir("not-worker");
    let jvm = fixture_worker(JvmBuilder::new().without_agent(), &dir);
    let pid = jvm.pid().to_string();
    let out = attach(&[&pid, &options(&receiver, 1000)]);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.line(),
        format!(
            "connect-otel: process {pid} is not a Kafka Connect worker (main class ConnectFixture, expected one of \
             org.apache.kafka.connect.cli.ConnectDistributed, org.apache.kafka.connect.cli.ConnectStandalone, \
             org.apache.kafka.connect.mirror.MirrorMaker); nothing done (--force attaches anyway)"
        )
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(receiver.metric_requests(), 0);
    assert!(!jvm.stderr().contains("connect-otel"), "{}", jvm.stderr());
    // Untouched: no agent mark was left, so a forced attach starts it.
    attach_and_wait(&jvm, &receiver, 1000);
}

#[test]
fn bad_targets_get_one_line_each_and_are_left_as_they_were() {
    let receiver = Receiver::start();
    let dir = worker_dir("bad");
    let mut jvm = fixture_worker(JvmBuilder::new().without_agent(), &dir);
    let pid = jvm.pid().to_string();

    let out = attach(&["twelve"]);
    assert_eq!(out.code, Some(2));
    assert!(out
        .line()
        .starts_with("connect-otel: twelve is not a process id (usage: "));

    let out = attach(&["--force", &pid, "a=b", "c=d"]);
    assert_eq!(out.code, Some(2));
    assert!(out.line().contains("the options are one argument"));

    // Above the kernel's pid limit: no process can have it.
    let pid_max: u64 = std::fs::read_to_string("/proc/sys/kernel/pid_max")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let gone = (pid_max + 1).to_string();
    let out = attach(&["--force", &gone]);
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.line(),
        format!("connect-otel: no process with pid {gone}; nothing done")
    );

    // Not a JVM: the Attach API would send it SIGQUIT, which ends a process that does not handle it.
    let mut sleeper = Command::new("sleep").arg("60").spawn().unwrap();
    let out = attach(&["--force", &sleeper.id().to_string()]);
    assert_eq!(out.code, Some(1));
    let line = out.line();
    assert!(
        line.starts_with(&format!("connect-otel: process {} (", sleeper.id()))
            && line.ends_with("sleep) is not a Java virtual machine; nothing done"),
        "{line}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(sleeper.try_wait().unwrap().is_none(), "the non-JVM process was hurt");
    let _ = sleeper.kill();
    let _ = sleeper.wait();

    // A Java without jdk.attach (a JRE): named, with what to run instead.
    let out = outcome(
        attach_cmd(&[], &["--limit-modules", "java.base"], &["--force", &pid])
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, Some(1));
    assert!(
        out.line().contains("has no jdk.attach module") && out.line().contains("run attach with a JDK's java"),
        "{}",
        out.line()
    );

    // Another user's JVM: as root, run attach as nobody against this root-owned fixture.
    if can_switch_user() {
        let nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
        let out = outcome(attach_cmd(&nobody, &[], &["--force", &pid]).output().unwrap());
        assert_eq!(out.code, Some(1));
        assert_eq!(
            out.line(),
            format!(
                "connect-otel: process {pid} belongs to user root and this runs as nobody: run attach as that user \
                 (e.g. sudo -u root java -jar ...); nothing done"
            )
        );
    } else {
        eprintln!("not root or no setpriv: the other-user case is not run here");
    }

    // A JVM that refuses attach: told apart by the JDK from its performance data, so it is not even signalled
    // (a signalled one would print a thread dump onto its standard output, the fixture's command channel).
    let closed_dir = worker_dir("bad-closed");
    let mut closed = fixture_worker(
        JvmBuilder::new().without_agent().jvm_arg("-XX:+DisableAttachMechanism"),
        &closed_dir,
    );
    let out = attach(&["--force", &closed.pid().to_string()]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.line().starts_with(&format!(
            "connect-otel: cannot attach to {}: The VM does not support the attach mechanism",
            closed.pid()
        )),
        "{}",
        out.line()
    );
    closed.cmd("connector late source 1");
    assert!(!closed.stderr().contains("connect-otel"), "{}", closed.stderr());

    // The target took no harm and has no agent: it answers, printed nothing of ours, and a forced attach works.
    jvm.cmd("connector late source 1");
    assert!(!jvm.stderr().contains("connect-otel"), "{}", jvm.stderr());
    assert_eq!(receiver.metric_requests(), 0);
    attach_and_wait(&jvm, &receiver, 1000);
}

#[test]
fn on_jdk_25_the_target_warns_about_dynamic_loading_unless_its_options_allow_it() {
    let j25 = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
    if !Path::new(j25).exists() {
        eprintln!("{j25} is not installed: the JDK 25 warnings are not checked here");
        return;
    }
    let dynamic = "WARNING: A Java agent has been loaded dynamically";
    let native = "WARNING: A restricted method in java.lang.System has been called";

    let receiver = Receiver::start();
    let dir = worker_dir("jdk25-plain");
    let jvm = fixture_worker(JvmBuilder::new().without_agent().java(j25), &dir);
    attach_and_wait(&jvm, &receiver, 1000);
    let stderr = jvm.stderr();
    assert!(stderr.contains(dynamic) && stderr.contains(native), "{stderr}");

    // What docs/attach.md tells users to add to KAFKA_OPTS.
    let receiver = Receiver::start();
    let dir = worker_dir("jdk25-allowed");
    let jvm = fixture_worker(
        JvmBuilder::new()
            .without_agent()
            .java(j25)
            .jvm_arg("-XX:+EnableDynamicAgentLoading")
            .jvm_arg("--enable-native-access=ALL-UNNAMED"),
        &dir,
    );
    attach_and_wait(&jvm, &receiver, 1000);
    let stderr = jvm.stderr();
    assert!(!stderr.contains("WARNING"), "{stderr}");
    assert_eq!(count(&stderr, STARTED), 1, "{stderr}");

    // A worker that forbids it: one line saying what to do instead; the worker runs on without the agent.
    let dir = worker_dir("jdk25-forbidden");
    let mut jvm = fixture_worker(
        JvmBuilder::new()
            .without_agent()
            .java(j25)
            .jvm_arg("-XX:-EnableDynamicAgentLoading"),
        &dir,
    );
    let pid = jvm.pid().to_string();
    let out = attach(&["--force", &pid]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.line().starts_with(&format!(
            "connect-otel: process {pid} runs with -XX:-EnableDynamicAgentLoading and loads no agent at run time: \
             add -javaagent:"
        )),
        "{}",
        out.line()
    );
    jvm.cmd("connector late source 1");
    assert!(!jvm.stderr().contains("connect-otel"), "{}", jvm.stderr());
}

#[test]
fn root_attaches_to_another_users_worker() {
    if !can_switch_user() {
        eprintln!("not root or no setpriv: root attaching to another user's worker is not run here");
        return;
    }
    // The fixture runs as nobody (setpriv execs java, so the pid is the JVM's); attach runs as root.
    let receiver = Receiver::start();
    let mut builder = JvmBuilder::new().without_agent().java("setpriv");
    for a in ["--reuid=65534", "--regid=65534", "--clear-groups", &java()] {
        builder = builder.jvm_arg(a);
    }
    let dir = worker_dir("other-user");
    let jvm = fixture_worker(builder, &dir);
    let owner = std::fs::read_to_string(format!("/proc/{}/status", jvm.pid())).unwrap();
    assert!(
        owner.lines().any(|l| l.starts_with("Uid:") && l.contains("65534")),
        "the fixture runs as nobody: {owner}"
    );
    attach_and_wait(&jvm, &receiver, 1000);
    assert_eq!(count(&jvm.stderr(), STARTED), 1, "{}", jvm.stderr());
}
