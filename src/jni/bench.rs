//! Test builds only (feature `test-hooks`): `NativeAgent.benchCollect(rounds)`, the "ours" column of the
//! collection benchmark (`scripts/bench-collection.sh`, `bench/collection/`).
//!
//! A round is one full collection on the caller's thread, along the agent's collect loop: the `ReadPlan` of
//! the default configuration, the JNI `MBeanReader`, `mapping::map` and stall detection, the sizing check
//! and the split into export parts, then the OpenTelemetry SDK turning the observations into the data points
//! an exporter is handed (observable callbacks and aggregation, on the SDK's reader threads, through
//! `force_flush` with an exporter that drops them). OTLP encoding and sending are left out. The reader and
//! the SDK pipeline live across the rounds, as in the agent, so the first rounds carry the warm-up (caches,
//! first series) and the caller drops them.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jni::objects::{JClass, JLongArray};
use jni::sys::{jint, jlong};
use jni::{Env, EnvUnowned};
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{Instrument, PeriodicReader, SdkMeterProvider, Stream, Temporality};
use opentelemetry_sdk::Resource;

use super::mbeans::MBeanReader;
use super::settle;
use crate::config::{self, Sources};
use crate::mapping;
use crate::metrics::{Latest, Sizing};
use crate::snapshot::ReadPlan;
use crate::stall::StallWatch;

/// Values before the per-round triples in the returned array: attributes, MBeans, series (of the last round).
const HEADER: usize = 3;

/// `NativeAgent.benchCollect(int rounds)`: `[attributes, mbeans, series, read_ns, map_ns, sdk_ns, …]` with one
/// `read_ns, map_ns, sdk_ns` triple per round, or null after an error (logged).
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_NativeAgent_benchCollect<'l>(
    mut unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
    rounds: jint,
) -> JLongArray<'l> {
    let outcome = unowned
        .with_env(|env| -> jni::errors::Result<JLongArray<'l>> {
            let values = collect_rounds(env, rounds.max(1) as usize)?;
            let array = env.new_long_array(values.len())?;
            array.set_region(env, 0, &values)?;
            Ok(array)
        })
        .into_outcome();
    settle("benchCollect", outcome)
}

fn collect_rounds(env: &mut Env<'_>, rounds: usize) -> jni::errors::Result<Vec<jlong>> {
    let (config, _) = config::resolve(&Sources::default());
    let metrics = config
        .metrics
        .unwrap_or_else(|| unreachable!("the default configuration has metrics on"));
    let plan = ReadPlan::new(&metrics);
    let mut reader = MBeanReader::new(env)?;
    let latest: Latest = Arc::new(RwLock::new(Arc::new(Vec::new())));
    let mut pipeline: Option<(Sizing, Vec<SdkMeterProvider>)> = None;
    let mut stalls = StallWatch::new(metrics.stall_intervals);
    let mut out = vec![0 as jlong; HEADER + 3 * rounds];
    for round in 0..rounds {
        let begun = Instant::now();
        let snapshot = reader.read(env, &plan);
        let read = begun.elapsed();

        let mapped = Instant::now();
        let mut obs = mapping::map(&snapshot);
        if metrics.groups.contains("task") {
            stalls.observe(&mut obs, Instant::now());
        }
        let total = obs.series_count();
        let largest = |shards: usize| obs.largest_metric_per_shard(shards);
        let current = pipeline.as_ref().map(|(s, _)| *s);
        if current.map(|c| !c.fits(total, largest(c.shards))).unwrap_or(true) {
            let shards = Sizing::for_worker(total, 0).shards;
            let sizing = Sizing::for_worker(total, largest(shards));
            if let Some((_, old)) = pipeline.take() {
                shutdown(old);
            }
            pipeline = Some((sizing, providers(sizing, &latest)));
        }
        let (sizing, providers) = pipeline.as_ref().unwrap_or_else(|| unreachable!("built above"));
        *latest.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(obs.split(sizing.shards));
        let map = mapped.elapsed();

        let exported = Instant::now();
        for p in providers {
            if let Err(e) = p.force_flush() {
                crate::log_warn!("benchCollect: SDK collection failed: {e}");
            }
        }
        let sdk = exported.elapsed();

        out[0] = snapshot.stats.attributes as jlong;
        out[1] = snapshot.stats.mbeans as jlong;
        out[2] = total as jlong;
        for (i, d) in [read, map, sdk].into_iter().enumerate() {
            out[HEADER + 3 * round + i] = d.as_nanos() as jlong;
        }
    }
    if let Some((_, providers)) = pipeline {
        shutdown(providers);
    }
    // The reader's global references are released here, on this attached thread.
    drop(reader);
    Ok(out)
}

/// Drops what it is handed: the benchmark stops where the OTLP exporter would start encoding.
struct DiscardingExporter;

impl PushMetricExporter for DiscardingExporter {
    async fn export(&self, _metrics: &ResourceMetrics) -> OTelSdkResult {
        Ok(())
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}

/// The agent's `MetricsPipeline` (one provider per export part, the per-metric series limit, one observable
/// instrument per published metric, registered by `metrics::register_instruments`) with the discarding
/// exporter; the reader's interval is long so only `force_flush` collects.
fn providers(sizing: Sizing, latest: &Latest) -> Vec<SdkMeterProvider> {
    (0..sizing.shards)
        .map(|shard| {
            let reader = PeriodicReader::builder(DiscardingExporter)
                .with_interval(Duration::from_secs(24 * 3600))
                .build();
            let limit = sizing.cardinality_limit;
            let provider = SdkMeterProvider::builder()
                .with_resource(Resource::builder_empty().build())
                .with_reader(reader)
                .with_view(move |_: &Instrument| Stream::builder().with_cardinality_limit(limit).build().ok())
                .build();
            crate::metrics::register_instruments(&provider.meter("io.connectotel.connect"), latest, shard);
            provider
        })
        .collect()
}

fn shutdown(providers: Vec<SdkMeterProvider>) {
    for p in providers {
        let _ = p.shutdown();
    }
}
