//! The OpenTelemetry side of metrics: one observable instrument per published metric, reading the latest
//! [`Observations`]; a periodic reader; the OTLP exporter.
//!
//! Why observable instruments over a shared snapshot: callbacks run on the SDK's reader thread, which is
//! not attached to the JVM, so they must only copy plain values. Series a callback stops observing
//! disappear from the next export, which is how deleted or moved tasks' series stop.

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use opentelemetry::metrics::{Meter, MeterProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_sdk::metrics::{Instrument, PeriodicReader, SdkMeterProvider, Stream};
use opentelemetry_sdk::Resource;

use crate::config::ExporterConfig;
use crate::mapping::Observations;
use crate::otlp::{metric_exporter, CountingExporter};
use crate::rules::{metric_defs, Kind};

/// The floor of the per-metric series cap. The SDK sizes every instrument's map to its cap up front (about
/// 70 bytes a series), so the SDK's default of 2,000 for each of ~270 instruments and each export part cost a
/// 1,000-task worker ~180 MB of native memory (measured with heaptrack, BENCHMARKS.md); the cap follows the
/// largest metric instead (twice it), and a metric that outgrows it rebuilds the pipeline before publishing.
pub const MIN_CARDINALITY_LIMIT: usize = 64;

/// Series per export that keep a request under a collector's 4 MiB gRPC message limit (measured: about
/// 130 bytes per series on the wire, so 15,000 series ≈ 2 MB).
pub const MAX_SERIES_PER_EXPORT: usize = 15_000;
/// Series per export when the pipeline is (re)built: room to grow by half before a rebuild.
const TARGET_SERIES_PER_EXPORT: usize = 10_000;

/// The latest observations, one part per shard, swapped in whole by the collector and read by every callback.
pub type Latest = Arc<RwLock<Arc<Vec<Observations>>>>;

/// How many providers (each with its own reader and exporter) and how many series each may hold per metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizing {
    pub shards: usize,
    pub cardinality_limit: usize,
}

impl Sizing {
    /// Room to grow to twice today's size before the pipeline has to be rebuilt.
    pub fn for_worker(total_series: usize, largest_metric_per_shard: usize) -> Sizing {
        Sizing {
            shards: total_series.div_ceil(TARGET_SERIES_PER_EXPORT).max(1),
            cardinality_limit: MIN_CARDINALITY_LIMIT.max(largest_metric_per_shard.saturating_mul(2)),
        }
    }

    /// Whether observations of this size fit.
    pub fn fits(&self, total_series: usize, largest_metric_per_shard: usize) -> bool {
        total_series <= self.shards * MAX_SERIES_PER_EXPORT && largest_metric_per_shard <= self.cardinality_limit
    }
}

pub struct MetricsPipeline {
    providers: Vec<SdkMeterProvider>,
    pub sizing: Sizing,
}

fn observe<T>(latest: &Latest, shard: usize, name: &'static str, mut record: impl FnMut(f64, &[KeyValue]) -> T) {
    // A panic here would kill the SDK's reader thread for good: contain it.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let current = latest.read().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(series) = current.get(shard).and_then(|o| o.metrics.get(name)) {
            for s in series {
                record(s.value, &s.attributes);
            }
        }
    }));
}

pub(crate) fn register_instruments(meter: &Meter, latest: &Latest, shard: usize) {
    for def in metric_defs() {
        let name = def.name;
        let l = latest.clone();
        match def.kind {
            Kind::Counter => {
                meter
                    .f64_observable_counter(name)
                    .with_unit(def.unit)
                    .with_callback(move |o| observe(&l, shard, name, |v, a| o.observe(v, a)))
                    .build();
            }
            Kind::UpDown | Kind::State { .. } => {
                meter
                    .f64_observable_up_down_counter(name)
                    .with_unit(def.unit)
                    .with_callback(move |o| observe(&l, shard, name, |v, a| o.observe(v, a)))
                    .build();
            }
            Kind::Gauge | Kind::Health | Kind::AllNumeric { .. } => {
                meter
                    .f64_observable_gauge(name)
                    .with_unit(def.unit)
                    .with_callback(move |o| observe(&l, shard, name, |v, a| o.observe(v, a)))
                    .build();
            }
            Kind::Info { .. } | Kind::Label { .. } | Kind::TaskType => {}
        }
    }
}

impl MetricsPipeline {
    pub fn build(
        exporter: &ExporterConfig,
        interval: Duration,
        resource: Resource,
        sizing: Sizing,
        latest: &Latest,
        export_failures: Arc<AtomicU64>,
    ) -> Result<MetricsPipeline, String> {
        let mut providers = Vec::with_capacity(sizing.shards);
        for shard in 0..sizing.shards {
            let counting =
                CountingExporter::new(metric_exporter(exporter)?, &exporter.endpoint, export_failures.clone());
            let reader = PeriodicReader::builder(counting).with_interval(interval).build();
            let limit = sizing.cardinality_limit;
            let provider = SdkMeterProvider::builder()
                .with_resource(resource.clone())
                .with_reader(reader)
                .with_view(move |_: &Instrument| Stream::builder().with_cardinality_limit(limit).build().ok())
                .build();
            register_instruments(&provider.meter("io.connectotel.connect"), latest, shard);
            providers.push(provider);
        }
        Ok(MetricsPipeline { providers, sizing })
    }

    /// Final collection and export of every shard, in parallel. Bounded by the SDK (5 s at most); the
    /// caller bounds it further.
    pub fn shutdown(self) {
        let handles: Vec<_> = self
            .providers
            .into_iter()
            .map(|p| std::thread::spawn(move || p.shutdown()))
            .collect();
        for h in handles {
            if let Ok(Err(e)) = h.join() {
                crate::log_warn!("final metric export did not complete: {e}");
            }
        }
    }
}
