//! A real JVM with the built agent jar and Connect-shaped MBeans (kafka-clients' Metrics + JmxReporter): what the
//! agent learns from the MBeanServer's registration notifications. An MBean that gains attributes while the agent
//! collects is read in full from the next collection on, and a connector restarted several times between two
//! collections has each restart counted, for itself and for each of its tasks.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use support::{one, select, JvmBuilder, Point, Receiver};

const WAIT: Duration = Duration::from_secs(30);
const C: &str = "kafka.connect.connector";
const T: &str = "kafka.connect.task.id";
const INTERVAL_MS: u64 = 500;

fn has(points: &[Point], name: &str) -> bool {
    points.iter().any(|p| !p.ended && p.name == name)
}

#[test]
fn attributes_added_to_a_live_mbean_are_exported_from_the_next_collection() {
    let receiver = Receiver::start();
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.metric.export.interval={INTERVAL_MS}",
            receiver.grpc_endpoint()
        ))
        .spawn();
    jvm.cmd("worker");
    receiver.wait_for(WAIT, "the worker's metrics", |p| {
        has(p, "kafka.connect.worker.task_count")
    });

    // Eight connectors, each getting its seven worker-level metrics one by one at random moments while the agent
    // collects every 500 ms: each MBean is first seen part-way, with some of its attributes.
    let trials = 8;
    let mut registered: Vec<(String, String, u64)> = Vec::new();
    for trial in 0..trials {
        let connector = format!("trickle-{trial}");
        let reply = jvm.cmd(&format!("trickle {connector} 400"));
        for pair in reply.trim_start_matches("ok ").split(',') {
            let (attribute, at) = pair.split_once('=').expect("attribute=millis");
            let metric = format!("kafka.connect.worker.{}", attribute.replace('-', "_"));
            registered.push((connector.clone(), metric, at.parse().unwrap()));
        }
    }
    assert_eq!(registered.len(), trials * 7);
    let last = registered.iter().map(|r| r.2).max().unwrap();
    // Until a collection well after the last registration has arrived.
    receiver.wait_for(WAIT, "a collection after the last registration", |p| {
        p.iter().any(|x| x.time / 1_000_000 > last + 2 * INTERVAL_MS)
    });

    // The first collection that carries each attribute, by (connector, metric).
    let mut first: BTreeMap<(String, String), u64> = BTreeMap::new();
    for (_, points) in receiver.metric_points_since(0) {
        for p in points.iter().filter(|p| !p.ended) {
            if let Some(c) = p.attributes.get(C).filter(|c| c.starts_with("trickle-")) {
                let at = p.time / 1_000_000;
                let e = first.entry((c.clone(), p.name.clone())).or_insert(at);
                *e = (*e).min(at);
            }
        }
    }
    // A collection's time is taken when it starts; the one after a registration starts within one interval of
    // it (plus the collection's own duration for an MBean registered while it ran).
    let mut late = Vec::new();
    for (connector, metric, at) in &registered {
        match first.get(&(connector.clone(), metric.clone())) {
            Some(seen) if *seen <= at + INTERVAL_MS + 250 => {}
            other => late.push(format!(
                "{connector} {metric}: registered at {at}, first exported at {other:?}"
            )),
        }
    }
    assert!(
        late.is_empty(),
        "attributes exported later than one interval after registration:\n{}",
        late.join("\n")
    );
    // Every value is the one registered (the index), on the right series.
    let p = receiver.latest_points();
    assert_eq!(
        one(
            &p,
            "kafka.connect.worker.connector_restarting_task_count",
            &[(C, "trickle-3")]
        )
        .value,
        6.0
    );
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

#[test]
fn restarts_between_two_collections_are_each_counted() {
    let receiver = Receiver::start();
    // A long interval, so that the restarts below surely fall between two collections.
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.metric.export.interval=3000",
            receiver.grpc_endpoint()
        ))
        .spawn();
    jvm.cmd("worker");
    jvm.cmd("connector files source 2");
    jvm.cmd("connector orders sink 1");
    let restarts = |p: &[Point], task: Option<&str>| -> Option<f64> {
        let (name, attrs) = match task {
            Some(t) => ("kafka.connect.task.restarts", vec![(C, "files"), (T, t)]),
            None => ("kafka.connect.connector.restarts", vec![(C, "files")]),
        };
        select(p, name, &attrs).first().map(|x| x.value)
    };
    let p = receiver.wait_for(WAIT, "restart counters", |p| restarts(p, Some("0")).is_some());
    assert_eq!(restarts(&p, Some("0")), Some(0.0), "a task's first start is no restart");
    assert_eq!(restarts(&p, None), Some(0.0));

    // Three restarts in a row, within one interval: every collection sees every task RUNNING.
    let requests = receiver.metric_requests();
    jvm.cmd("restart files source 2 3");
    let p = receiver.wait_for(WAIT, "three restarts counted", |p| restarts(p, Some("1")) == Some(3.0));
    for task in ["0", "1"] {
        assert_eq!(restarts(&p, Some(task)), Some(3.0), "task {task}");
    }
    assert_eq!(restarts(&p, None), Some(3.0), "the connector");
    assert_eq!(
        one(&p, "kafka.connect.task.restarts", &[(C, "orders"), (T, "0")]).value,
        0.0,
        "a task not restarted"
    );
    assert!(
        select(&p, "kafka.connect.task.transitions", &[(C, "files")]).is_empty(),
        "no state change was seen"
    );
    // The restarts fell between two exports: no export in between saw a count other than 0 or 3.
    let counts: Vec<f64> = receiver
        .metric_points_since(requests)
        .iter()
        .filter_map(|(_, points)| restarts(points, Some("0")))
        .collect();
    assert!(counts.iter().all(|c| *c == 0.0 || *c == 3.0), "{counts:?}");
    // Restarted, a task has been RUNNING since its last start: less than the time since the agent started.
    let age = one(&p, "kafka.connect.task.state_duration", &[(C, "files"), (T, "0")]);
    assert_eq!(
        age.attributes.get("kafka.connect.task.state").map(String::as_str),
        Some("running")
    );
    let running_since_start = one(&p, "kafka.connect.task.state_duration", &[(C, "orders"), (T, "0")]).value;
    assert!(age.value < running_since_start, "{} < {running_since_start}", age.value);

    // A state change seen by two collections: one transition, from and to, and its time in state starts again.
    jvm.cmd("set connector-task-metrics files 1 status failed");
    let p = receiver.wait_for(WAIT, "a transition", |p| {
        !select(p, "kafka.connect.task.transitions", &[(C, "files"), (T, "1")]).is_empty()
    });
    let t = one(&p, "kafka.connect.task.transitions", &[(C, "files"), (T, "1")]);
    assert_eq!(
        t.attributes
            .get("kafka.connect.task.previous_state")
            .map(String::as_str),
        Some("running")
    );
    assert_eq!(
        t.attributes.get("kafka.connect.task.state").map(String::as_str),
        Some("failed")
    );
    assert_eq!(t.value, 1.0);
    let failed = one(
        &p,
        "kafka.connect.task.state_duration",
        &[(C, "files"), (T, "1"), ("kafka.connect.task.state", "failed")],
    );
    assert!(failed.value < 3.5, "{}", failed.value);
    assert_eq!(restarts(&p, Some("1")), Some(3.0), "a state change is no restart");
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}

/// Tasks that start while the agent is in the middle of a collection are first starts, not restarts: a start the
/// queries saw is drained into the same snapshot as its task's first sighting.
#[test]
fn tasks_that_start_while_the_agent_collects_are_no_restarts() {
    let receiver = Receiver::start();
    // A short interval, so that many starts fall inside a collection rather than between two.
    let mut jvm = JvmBuilder::new()
        .args(&format!(
            "otel.exporter.otlp.endpoint={},otel.metric.export.interval=100",
            receiver.grpc_endpoint()
        ))
        .spawn();
    jvm.cmd("worker");
    const CONNECTORS: usize = 40;
    for i in 0..CONNECTORS {
        jvm.cmd(&format!("connector spread{i} source 3"));
        // Spread over several collections and over the phases of each (37 ms against a 100 ms interval).
        std::thread::sleep(Duration::from_millis(37));
    }
    let all_seen = |p: &[Point]| select(p, "kafka.connect.task.restarts", &[]).len() >= CONNECTORS * 3;
    receiver.wait_for(WAIT, "every task's restart counter", all_seen);
    // A few more collections, in which a start drained late would show.
    let settled = receiver.metric_requests() + 5;
    let p = receiver.wait_for(WAIT, "five more collections", |q| {
        receiver.metric_requests() >= settled && all_seen(q)
    });
    let restarted: Vec<String> = select(&p, "kafka.connect.task.restarts", &[])
        .iter()
        .filter(|x| x.value != 0.0)
        .map(|x| format!("{:?} = {}", x.attributes, x.value))
        .collect();
    assert!(
        restarted.is_empty(),
        "tasks started once counted restarts: {restarted:?}"
    );
    let connectors = select(&p, "kafka.connect.connector.restarts", &[]);
    assert_eq!(connectors.len(), CONNECTORS);
    assert!(connectors.iter().all(|x| x.value == 0.0), "{connectors:?}");
    let (status, _, _) = jvm.exit(WAIT);
    assert!(status.success());
}
