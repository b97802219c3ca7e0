//! The agent's life: start from resolved configuration, the collection loop on our own thread, shutdown with
//! a bounded total time.
//!
//! Why the loop waits before starting the metric export: premain runs before Connect has registered
//! anything, and the resource (worker id, cluster, Kafka version) is only complete once Connect's MBeans
//! exist. The loop reads every second until they appear (or a grace period passes), then every interval.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime};

use once_cell::sync::Lazy;
use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;

use crate::collect::plan::ReadPlan;
use crate::collect::snapshot::{ReadStats, Snapshot};
use crate::config::{self, AgentConfig, MetricsConfig, Sources};
use crate::failures::{FailureReporter, FailureWatch};
use crate::metrics::encode::MAX_SERIES_PER_REQUEST;
use crate::metrics::export::{ExportCounters, MetricsExport};
use crate::metrics::lifecycle::Lifecycle;
use crate::metrics::mapping::Mapper;
use crate::metrics::series::Observations;
use crate::metrics::stall::StallWatch;
use crate::worker::rest_target;
use crate::worker::{host_name, WorkerIdentity};

/// Reads MBeans. Implemented by the JNI boundary; created and used on the collector thread only.
pub trait MBeanSource {
    fn read(&mut self, plan: &ReadPlan) -> Snapshot;

    /// Gives the process's freed native memory back to the system, if the host can (`malloc_trim`, called by
    /// the metrics export after each collection: the JNI boundary holds the `unsafe`).
    fn memory_release(&self) -> Option<fn()> {
        None
    }
}

/// Creates the source on the collector thread (where it attaches to the JVM).
pub type SourceFactory = Box<dyn FnOnce() -> Result<Box<dyn MBeanSource>, String> + Send>;

const STARTUP_POLL: Duration = Duration::from_secs(1);
const STARTUP_GRACE: Duration = Duration::from_secs(30);
/// Total time the JVM's exit may wait for us (stop the reader, final export).
pub const SHUTDOWN_BUDGET: Duration = Duration::from_millis(4500);

#[derive(Default)]
struct StopSignal {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl StopSignal {
    fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.wake.notify_all();
    }

    /// Sleeps up to `d`; returns true when asked to stop.
    fn wait(&self, d: Duration) -> bool {
        let guard = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = self
            .wake
            .wait_timeout_while(guard, d, |s| !*s)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }
}

struct Running {
    stop: Arc<StopSignal>,
    /// Receives the pipeline when the collector thread ends.
    finished: mpsc::Receiver<Option<MetricsExport>>,
}

static RUNNING: Lazy<Mutex<Option<Running>>> = Lazy::new(|| Mutex::new(None));
static TRACE_SETTINGS: Lazy<Mutex<Option<[f64; 6]>>> = Lazy::new(|| Mutex::new(None));

/// What the Java tracing API needs to know (sampler, limits), once traces are running.
pub fn trace_settings() -> Option<[f64; 6]> {
    *TRACE_SETTINGS.lock().unwrap_or_else(|e| e.into_inner())
}

/// What start-up decided, for the caller's one line.
#[derive(Debug, PartialEq, Eq)]
pub enum Started {
    Running,
    Disabled(String),
    /// Off because of the configuration problems already logged, each naming what it turns off: no further
    /// line, so that one bad key is one line.
    OffByProblems,
}

/// Resolves configuration, logs every problem once, and starts collection in the background.
pub fn start(
    agent_args: &str,
    system_properties: BTreeMap<String, String>,
    java_command: Option<String>,
    source: SourceFactory,
) -> Started {
    let sources = Sources::new(agent_args, system_properties, config::otel_environment());
    let (config, problems) = config::resolve(&sources);
    for p in &problems {
        crate::log_error!("configuration: {}", p.0);
    }
    if config.sdk_disabled {
        return Started::Disabled("otel.sdk.disabled=true".into());
    }
    let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
    if running.is_some() {
        return Started::Disabled("already started (the agent was attached twice)".into());
    }
    let summary = config::summary(&config);
    // Read once: the worker's properties file (and any warning about it) serves both signals.
    let identity = WorkerIdentity::from_config(config.worker_config.as_deref(), java_command.as_deref());

    let traces_on = match (&config.traces, &config.traces_exporter) {
        (Some(traces), Some(exporter)) => match crate::spans::start(traces, exporter, &resource(&config, &identity)) {
            Ok(()) => {
                *TRACE_SETTINGS.lock().unwrap_or_else(|e| e.into_inner()) = Some(crate::spans::java_settings(traces));
                true
            }
            Err(e) => {
                crate::diag::log::disabled("traces", &e);
                false
            }
        },
        _ => false,
    };

    let stop = Arc::new(StopSignal::default());
    let (done_tx, done_rx) = mpsc::channel();
    match config.metrics.clone() {
        None if !traces_on => {
            let chosen = |signal: &str| {
                sources
                    .get(&format!("otel.{signal}.exporter"))
                    .is_some_and(|(v, _)| v.trim() == "none")
            };
            let all_chosen = chosen("metrics") && chosen("traces");
            if !problems.is_empty() && !all_chosen {
                return Started::OffByProblems;
            }
            return Started::Disabled(
                "metrics and traces are off (see the lines above, or otel.*.exporter=none)".into(),
            );
        }
        None => {
            let _ = done_tx.send(None);
        }
        Some(metrics) => {
            let thread_stop = stop.clone();
            let spawned = std::thread::Builder::new()
                .name("connect-otel-collector".into())
                .spawn(move || {
                    let export = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        collect_loop(&config, &metrics, identity, source, &thread_stop)
                    }))
                    .unwrap_or_else(|_| {
                        crate::diag::log::disabled("metrics", "the collector stopped after an internal error");
                        None
                    });
                    let _ = done_tx.send(export);
                });
            if let Err(e) = spawned {
                crate::diag::log::disabled("metrics", &format!("cannot start the collector thread: {e}"));
            }
        }
    }
    crate::log_info!("started {}; {summary}", env!("CARGO_PKG_VERSION"));
    *running = Some(Running {
        stop,
        finished: done_rx,
    });
    Started::Running
}

/// Stops collection and flushes, within [`SHUTDOWN_BUDGET`] in total whatever the collector does.
pub fn shutdown() {
    let Some(running) = RUNNING.lock().unwrap_or_else(|e| e.into_inner()).take() else {
        return;
    };
    let deadline = Instant::now() + SHUTDOWN_BUDGET;
    running.stop.stop();
    let spans = std::thread::Builder::new()
        .name("connect-otel-shutdown-spans".into())
        .spawn(move || crate::spans::shutdown(deadline));
    // The collector finishes its current read and detaches from the JVM before handing back the export.
    let export = match running.finished.recv_timeout(Duration::from_secs(2)) {
        Ok(p) => p,
        Err(_) => {
            crate::log_warn!("the collector did not stop within 2 s; exiting without a final export");
            return;
        }
    };
    // Bounded by `deadline` inside. The I/O runtime is stopped only when the span thread is done: an export
    // still waiting for the collector would otherwise end in tokio's "runtime is being shut down" panic (caught,
    // but logged as an internal error), and the process is exiting anyway.
    let finish = move || {
        let spans_flushed = spans.map_or(true, |h| h.join().unwrap_or(false));
        if spans_flushed {
            crate::transport::shutdown_runtime(Duration::from_millis(200));
        }
    };
    let Some(export) = export else {
        finish();
        return;
    };
    let (tx, rx) = mpsc::channel();
    let flusher = std::thread::Builder::new()
        .name("connect-otel-shutdown".into())
        .spawn(move || {
            export.shutdown();
            let _ = tx.send(());
        });
    if flusher.is_err() {
        return;
    }
    let left = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(left) {
        Ok(()) => finish(),
        // The flusher is not a JVM thread: leaving it behind does not hold up the JVM's exit.
        Err(_) => crate::log_warn!(
            "final export did not finish within {} ms; exiting without it",
            SHUTDOWN_BUDGET.as_millis()
        ),
    }
}

fn resource(config: &AgentConfig, identity: &WorkerIdentity) -> Resource {
    let mut attrs: Vec<(String, String)> = vec![
        ("service.name".into(), "kafka-connect".into()),
        ("host.name".into(), host_name()),
        ("process.pid".into(), std::process::id().to_string()),
        ("telemetry.distro.name".into(), "connect-otel".into()),
        ("telemetry.distro.version".into(), env!("CARGO_PKG_VERSION").into()),
    ];
    if let Some(id) = &identity.worker_id {
        attrs.push(("service.instance.id".into(), id.clone()));
    }
    if let Some(c) = &identity.cluster {
        attrs.push(("kafka.connect.cluster".into(), c.clone()));
    }
    if let Some(v) = &identity.kafka_version {
        attrs.push(("kafka.version".into(), v.clone()));
    }
    // OTEL_RESOURCE_ATTRIBUTES overrides what we found; otel.service.name overrides both.
    attrs.extend(config.resource_attributes.iter().cloned());
    if let Some(s) = &config.service_name {
        attrs.push(("service.name".into(), s.clone()));
    }
    let mut dedup: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in attrs {
        dedup.insert(k, v);
    }
    Resource::builder_empty()
        .with_attributes(dedup.into_iter().map(|(k, v)| {
            if k == "process.pid" {
                KeyValue::new(k, v.parse::<i64>().unwrap_or(0))
            } else {
                KeyValue::new(k, v)
            }
        }))
        .build()
}

/// Running totals behind the agent's own counters.
#[derive(Default)]
struct AgentCounters {
    read_errors: BTreeMap<&'static str, u64>,
    non_finite: u64,
    no_samples: u64,
    unattributed: u64,
    null: u64,
    starting: u64,
}

fn add_agent_metrics(obs: &mut Observations, stats: &ReadStats, totals: &mut AgentCounters, export: &ExportCounters) {
    for (k, v) in &stats.errors {
        *totals.read_errors.entry(k).or_insert(0) += v;
    }
    totals.non_finite += obs.skipped_non_finite;
    totals.no_samples += obs.skipped_no_samples;
    totals.unattributed += obs.unattributed;
    totals.null += stats.skipped_null;
    totals.starting += stats.skipped_starting;
    let series = obs.series_count();
    let mut put = |name: &'static str, attrs: Vec<KeyValue>, value: f64| {
        obs.push_alone(name, attrs, value);
    };
    put("connect_otel.collection.duration", vec![], stats.duration.as_secs_f64());
    put("connect_otel.mbeans", vec![], stats.mbeans as f64);
    put("connect_otel.attributes", vec![], stats.attributes as f64);
    put("connect_otel.series", vec![], series as f64);
    put(
        "connect_otel.export.failures",
        vec![],
        export.failures.load(Ordering::Relaxed) as f64,
    );
    put(
        "connect_otel.export.rejected_points",
        vec![],
        export.rejected_points.load(Ordering::Relaxed) as f64,
    );
    for (kind, n) in &totals.read_errors {
        put(
            "connect_otel.read.errors",
            vec![KeyValue::new("error.type", *kind)],
            *n as f64,
        );
    }
    for (reason, n) in [
        ("non_finite", totals.non_finite),
        ("no_samples", totals.no_samples),
        ("unattributed", totals.unattributed),
        ("null", totals.null),
        ("starting", totals.starting),
    ] {
        put(
            "connect_otel.values.skipped",
            vec![KeyValue::new("reason", reason)],
            n as f64,
        );
    }
    let spans = &crate::spans::COUNTERS;
    put(
        "connect_otel.spans.dropped",
        vec![],
        spans.dropped.load(Ordering::Relaxed) as f64,
    );
    put(
        "connect_otel.spans.exported",
        vec![],
        spans.exported.load(Ordering::Relaxed) as f64,
    );
    put(
        "connect_otel.spans.export.failures",
        vec![],
        spans.export_failures.load(Ordering::Relaxed) as f64,
    );
    put(
        "connect_otel.spans.trimmed",
        vec![],
        spans.trimmed.load(Ordering::Relaxed) as f64,
    );
}

fn connect_is_up(s: &Snapshot) -> bool {
    s.mbeans
        .iter()
        .any(|m| m.name.domain == "kafka.connect" && m.name.get("type") == Some("app-info"))
        || s.mbeans
            .iter()
            .any(|m| m.name.domain == "kafka.connect" && m.name.get("type") == Some("connect-worker-metrics"))
}

fn collect_loop(
    config: &AgentConfig,
    metrics: &MetricsConfig,
    mut identity: WorkerIdentity,
    source: SourceFactory,
    stop: &StopSignal,
) -> Option<MetricsExport> {
    let exporter = config.metrics_exporter.as_ref()?;
    let mut source = match source() {
        Ok(s) => s,
        Err(e) => {
            crate::diag::log::disabled("metrics", &e);
            return None;
        }
    };
    let plan = ReadPlan::new(metrics.selection());
    let export_counters = Arc::new(ExportCounters::default());
    let mut totals = AgentCounters::default();
    let mut export: Option<MetricsExport> = None;
    let started = Instant::now();
    let mut stalls = StallWatch::new(metrics.stall_intervals);
    let mut lifecycle = Lifecycle::default();
    let mut mapper = Mapper::default();
    let mut failure_watch = FailureWatch::default();
    let mut reporter: Option<FailureReporter> = None;
    let mut failures_off = false;
    loop {
        let begun = Instant::now();
        let mut snapshot = source.read(&plan);
        let mut obs = mapper.map(&snapshot);
        if metrics.groups.contains("task") {
            stalls.observe(&mut obs, Instant::now());
        }
        // Sees only the groups that are read (it follows their state series).
        lifecycle.observe(
            &mut obs,
            &snapshot.starts,
            snapshot.follows_registrations,
            Instant::now(),
            SystemTime::now(),
        );
        snapshot.stats.duration = begun.elapsed();

        match &mut export {
            None => {
                identity.complete_from(&snapshot);
                if !connect_is_up(&snapshot) && started.elapsed() < STARTUP_GRACE {
                    if stop.wait(STARTUP_POLL) {
                        return None;
                    }
                    continue;
                }
                let started = MetricsExport::start(
                    exporter,
                    &resource(config, &identity),
                    export_counters.clone(),
                    source.memory_release().filter(|_| metrics.trim_memory),
                );
                match started {
                    Ok(e) => export = Some(e),
                    Err(e) => {
                        crate::diag::log::disabled("metrics", &e);
                        return None;
                    }
                }
            }
            // What was not known when the resource was made (an MBean read failed that cycle) is filled in
            // later.
            Some(e) if identity.kafka_version.is_none() => {
                let before = identity.clone();
                identity.complete_from(&snapshot);
                if identity != before {
                    e.set_resource(&resource(config, &identity));
                }
            }
            Some(_) => {}
        }
        // Failure log records start with the first export, once the worker's identity is known.
        if let (true, Some(failures), Some(logs)) = (
            reporter.is_none() && !failures_off,
            &config.failures,
            &config.logs_exporter,
        ) {
            let target = identity
                .rest
                .clone()
                .unwrap_or_else(|| rest_target(&Default::default()));
            let worker_id = identity.worker_id.clone().unwrap_or_default();
            reporter = match FailureReporter::start(logs, failures, target, resource(config, &identity), worker_id) {
                Ok(r) => Some(r),
                Err(e) => {
                    crate::diag::log::disabled("failure log records", &e);
                    None
                }
            };
            // Tried once: a failure to start is not retried every cycle.
            if reporter.is_none() {
                failures_off = true;
            }
        }
        if let Some(r) = &reporter {
            r.send(failure_watch.observe(&obs));
        }
        if metrics.groups.contains("agent") {
            add_agent_metrics(&mut obs, &snapshot.stats, &mut totals, &export_counters);
            if let Some(r) = &reporter {
                let mut put =
                    |name: &'static str, v: &AtomicU64| obs.push_alone(name, vec![], v.load(Ordering::Relaxed) as f64);
                put("connect_otel.failure_records.emitted", &r.stats.records);
                put("connect_otel.failure_records.dropped", &r.stats.dropped);
            }
            // The requests this very collection makes, itself included.
            let parts = (obs.series_count() + 1).div_ceil(MAX_SERIES_PER_REQUEST);
            obs.push_alone("connect_otel.export.parts", vec![], parts as f64);
        }
        // Freed before the export thread gives free memory back to the system.
        drop(snapshot);
        if let Some(e) = &mut export {
            e.publish(obs);
        }

        if stop.wait(metrics.interval.saturating_sub(begun.elapsed())) {
            drop(source);
            return export;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_signal_wakes_a_waiter_early() {
        let s = Arc::new(StopSignal::default());
        let s2 = s.clone();
        let t = std::thread::spawn(move || s2.wait(Duration::from_secs(30)));
        std::thread::sleep(Duration::from_millis(50));
        s.stop();
        assert!(t.join().unwrap());
    }

    #[test]
    fn resource_has_worker_identity_and_user_overrides() {
        let (config, _) = config::resolve(&config::sources_from(
            "",
            &[],
            &[(
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment=prod,host.name=override",
            )],
        ));
        let id = WorkerIdentity {
            worker_id: Some("w1:8083".into()),
            cluster: Some("connect-cluster".into()),
            kafka_version: Some("4.1.0".into()),
            config_file: None,
            rest: None,
        };
        let r = resource(&config, &id);
        let get = |k: &str| r.get(&opentelemetry::Key::from(k.to_string())).map(|v| v.to_string());
        assert_eq!(get("service.name").as_deref(), Some("kafka-connect"));
        assert_eq!(get("service.instance.id").as_deref(), Some("w1:8083"));
        assert_eq!(get("kafka.connect.cluster").as_deref(), Some("connect-cluster"));
        assert_eq!(get("kafka.version").as_deref(), Some("4.1.0"));
        assert_eq!(get("host.name").as_deref(), Some("override"));
        assert_eq!(get("deployment.environment").as_deref(), Some("prod"));
    }
}
