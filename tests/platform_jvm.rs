//! The release jar (build/connect-otel-agent.jar, all four libraries) on a real arm64 JVM: Debian's
//! openjdk-17 for arm64, run by qemu-aarch64-static (scripts/fetch-cross-runtimes.sh). The same Connect-shaped
//! fixture runs on this machine's x86_64 JVM with the same jar; both must pick their own library by
//! `os.arch` and export the same metrics with the same kinds, units and fixture values.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use object::{Architecture, Object};
use support::{release_jar, release_library, root, worker_properties, JvmBuilder, Point, PointKind, Receiver};

/// What the slower, emulated JVM gets to start, register the fixture's MBeans and export them.
const WAIT: Duration = Duration::from_secs(60);

/// A series: metric name and its point's attributes.
type SeriesKey = (String, BTreeMap<String, String>);

struct Run {
    /// The run's worker properties and java.io.tmpdir, removed when the run is dropped.
    _dir: support::TestDir,
    points: Vec<Point>,
    /// The library the loader extracted from the jar and loaded.
    loaded: PathBuf,
    stderr: String,
}

/// The java command the fetch script leaves: the arm64 JVM under qemu-aarch64-static.
fn arm64_java() -> PathBuf {
    let java = root().join(".cache/arm64-jvm/java");
    assert!(
        java.is_file() && root().join(".cache/arm64-jvm/.complete").is_file(),
        "no arm64 JVM at {}: run scripts/fetch-cross-runtimes.sh (as root; it installs qemu-user-static)",
        java.display()
    );
    java
}

fn complete(p: &[Point]) -> bool {
    // The sink connector is registered last; its consumer's lag is attributed only once its task is known.
    [
        "kafka.connect.sink.sink_record_read_total",
        "kafka.connect.consumer.records_lag_max",
    ]
    .iter()
    .all(|name| p.iter().any(|x| x.name == *name))
        && p.iter().filter(|x| x.name == "kafka.connect.task.health").count() == 3
}

/// The fixture worker (a source connector with 2 tasks, a sink with 1) on `java`, the release jar attached.
fn run(name: &str, java: Option<&Path>) -> Run {
    let receiver = Receiver::start();
    let dir = support::temp_dir(&format!("platform-{name}"));
    let props = worker_properties(&dir, "platform-cluster", 18083);
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut builder = JvmBuilder::new()
        .jar(&release_jar())
        .jvm_arg(&format!("-Djava.io.tmpdir={}", tmp.display()))
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.metric.export.interval=500,otel.connect.worker.config={}",
            receiver.grpc_endpoint(),
            props.display()
        ));
    if let Some(java) = java {
        builder = builder.java(java.to_str().unwrap());
    }
    let mut jvm = builder.spawn();
    jvm.cmd("worker");
    jvm.cmd("connector files source 2");
    jvm.cmd("connector orders:sink sink 1");

    let start = Instant::now();
    let points = loop {
        let p = receiver.latest_collection();
        if complete(&p) {
            break p;
        }
        // A jar without this platform's library (a build of fewer platforms) ends here, not after WAIT.
        let stderr = jvm.stderr();
        assert!(!stderr.contains("connect-otel: disabled"), "{name}: {stderr}");
        assert!(
            start.elapsed() < WAIT,
            "{name}: no complete collection within {WAIT:?} ({} exports); stderr:\n{}",
            receiver.metric_requests(),
            jvm.stderr()
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let (status, _, stderr) = jvm.exit(WAIT);
    assert!(
        status.success(),
        "{name}: the JVM exited with {status}; stderr:\n{stderr}"
    );

    let extracted: Vec<PathBuf> = std::fs::read_dir(&tmp)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("connect-otel-"))
        .flat_map(|e| std::fs::read_dir(e.path()).unwrap().flatten().map(|f| f.path()))
        // The loader's lock files sit beside the library.
        .filter(|f| f.extension().is_some_and(|x| x == "so"))
        .collect();
    assert_eq!(extracted.len(), 1, "{name}: one library extracted, found {extracted:?}");
    Run {
        _dir: dir,
        points,
        loaded: extracted[0].clone(),
        stderr,
    }
}

/// The loader took exactly the jar's library for `platform`, an ELF for `machine`.
fn assert_loaded(run: &Run, platform: &str, machine: Architecture) {
    let loaded = std::fs::read(&run.loaded).unwrap();
    let dir = support::temp_dir(&format!("platform-jar-{platform}"));
    assert!(
        loaded == std::fs::read(release_library(platform, &dir)).unwrap(),
        "{} is not the jar's {platform} library",
        run.loaded.display()
    );
    assert_eq!(object::File::parse(&*loaded).unwrap().architecture(), machine);
}

/// Connect series whose value the agent measures with its own clock rather than reads from the fixture.
const TIMED: [&str; 3] = [
    "kafka.connect.task.time_since_progress",
    "kafka.connect.task.state_duration",
    "kafka.connect.connector.state_duration",
];

/// The Connect series, whose values the fixture fixes: key → (kind, unit, value, but none for [`TIMED`]).
fn connect_series(p: &[Point]) -> BTreeMap<SeriesKey, (PointKind, String, Option<f64>)> {
    p.iter()
        .filter(|x| x.name.starts_with("kafka.connect."))
        .map(|x| {
            let value = (!TIMED.contains(&x.name.as_str())).then_some(x.value);
            (
                (x.name.clone(), x.attributes.clone()),
                (x.kind.clone(), x.unit.clone(), value),
            )
        })
        .collect()
}

/// The series whose value differs between `a` and `b` or that only one of them has, one line each.
fn differences<V: PartialEq + std::fmt::Debug>(a: &BTreeMap<SeriesKey, V>, b: &BTreeMap<SeriesKey, V>) -> Vec<String> {
    let keys: std::collections::BTreeSet<&SeriesKey> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| format!("{} {:?}: {:?} → {:?}", k.0, k.1, a.get(k), b.get(k)))
        .collect()
}

/// Every metric by name with its kind and unit (JVM and agent values vary from run to run).
fn metric_shapes(p: &[Point]) -> BTreeMap<String, (PointKind, String)> {
    p.iter()
        .map(|x| (x.name.clone(), (x.kind.clone(), x.unit.clone())))
        .collect()
}

#[test]
fn arm64_jvm_exports_what_x86_64_exports_with_the_same_jar() {
    let java = arm64_java();
    let started = Instant::now();
    let x86 = run("x86_64", None);
    let x86_time = started.elapsed();
    let arm = run("aarch64", Some(&java));
    eprintln!(
        "x86_64 run {x86_time:?}, aarch64 run under qemu {:?}",
        started.elapsed() - x86_time
    );

    // Each JVM loaded the glibc library for its own machine.
    assert_loaded(&x86, "linux-x86_64", Architecture::X86_64);
    assert_loaded(&arm, "linux-aarch64", Architecture::Aarch64);
    for run in [&x86, &arm] {
        assert!(
            !run.stderr.contains("disabled") && !run.stderr.contains("warning"),
            "{}",
            run.stderr
        );
    }

    // The fixture's values, checked outright so that two empty exports cannot agree.
    let arm_series = connect_series(&arm.points);
    let sink = |name: &str| {
        let key = (
            name.to_string(),
            BTreeMap::from(
                [
                    ("kafka.connect.connector", "orders:sink"),
                    ("kafka.connect.task.id", "0"),
                    ("kafka.connect.connector.type", "sink"),
                ]
                .map(|(k, v)| (k.to_string(), v.to_string())),
            ),
        );
        arm_series.get(&key).and_then(|(_, _, v)| *v)
    };
    assert_eq!(sink("kafka.connect.sink.sink_record_read_total"), Some(500.0));
    assert_eq!(sink("kafka.connect.sink.offset_commit_success_percentage"), Some(87.5));
    assert_eq!(sink("kafka.connect.task.health"), Some(1.0));
    assert!(arm_series.len() > 100, "{} Connect series", arm_series.len());

    let differences = differences(&connect_series(&x86.points), &arm_series);
    assert!(differences.is_empty(), "x86_64 → aarch64:\n{}", differences.join("\n"));
    assert_eq!(metric_shapes(&x86.points), metric_shapes(&arm.points));
    let resource = |r: &Run| {
        let mut r = r.points[0].resource.clone();
        r.remove("process.pid");
        r
    };
    assert_eq!(resource(&x86), resource(&arm));
    assert_eq!(
        resource(&arm).get("kafka.connect.cluster").map(String::as_str),
        Some("platform-cluster")
    );
}
