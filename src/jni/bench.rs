//! Test builds only (feature `test-hooks`): `NativeAgent.benchCollect(rounds)`, the "ours" column of the
//! collection benchmark (`scripts/bench-collection.sh`, `bench/collection/`).
//!
//! A round is one full collection on the caller's thread, along the agent's collect loop: the `ReadPlan` of
//! the default configuration, the JNI `MBeanReader`, the `Mapper` and stall detection, then the OTLP
//! request bodies an export sends (`encode::Encoder::encode_each`, one request at a time as the export thread
//! encodes them, each dropped where that thread would send it). Only the sending is left out.
//! The reader lives across the rounds, as in the agent, so the first rounds carry the warm-up (caches) and
//! the caller drops them.

use std::time::{Instant, SystemTime};

use jni::objects::{JClass, JLongArray};
use jni::sys::{jint, jlong};
use jni::{Env, EnvUnowned};
use opentelemetry::KeyValue;

use super::mbeans::MBeanReader;
use super::settle;
use crate::config::{self, MetricsConfig, Sources};
use crate::encode::Encoder;
use crate::mapping::Mapper;
use crate::snapshot::ReadPlan;
use crate::stall::StallWatch;

/// Values before the per-round triples in the returned array: attributes, MBeans, series, bytes encoded
/// (of the last round).
const HEADER: usize = 4;

/// `NativeAgent.benchCollect(int rounds)`: `[attributes, mbeans, series, bytes, read_ns, map_ns, encode_ns, …]`
/// with one `read_ns, map_ns, encode_ns` triple per round, or null after an error (logged).
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_NativeAgent_benchCollect<'l>(
    unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
    rounds: jint,
) -> JLongArray<'l> {
    long_array("benchCollect", unowned, |env| {
        collect_rounds(env, rounds.max(1) as usize)
    })
}

/// `NativeAgent.benchReadBreakdown(int rounds)`: `[attribute values, jni_call_ps, java_ns, …]` with one
/// `java_ns` per round, or null after an error (logged). It breaks the "JNI read" phase of `benchCollect`
/// down, on a reader of its own:
/// - `java_ns`: the read's Java work alone. After three full reads (the caches and what each MBean declares
///   are then learned), each round repeats the `queryNames` and `getAttributes` calls of a read without
///   unpacking the results (`MBeanReader::read_java_only`). A read minus this is what crossing JNI value by
///   value costs.
/// - `jni_call_ps`: the cost of the cheapest JNI call that returns a reference (`MBeanReader::jni_call_ps`).
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_NativeAgent_benchReadBreakdown<'l>(
    unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
    rounds: jint,
) -> JLongArray<'l> {
    long_array("benchReadBreakdown", unowned, |env| {
        java_only_rounds(env, rounds.max(1) as usize)
    })
}

/// What `measure` returns, as a `long[]` for the Java caller of native entry `entry`; null after an error
/// (logged).
fn long_array<'l>(
    entry: &str,
    mut unowned: EnvUnowned<'l>,
    measure: impl FnOnce(&mut Env<'_>) -> jni::errors::Result<Vec<jlong>>,
) -> JLongArray<'l> {
    let outcome = unowned
        .with_env(|env| -> jni::errors::Result<JLongArray<'l>> {
            let values = measure(env)?;
            let array = env.new_long_array(values.len())?;
            array.set_region(env, 0, &values)?;
            Ok(array)
        })
        .into_outcome();
    settle(entry, outcome)
}

/// The metric settings and read plan of the default configuration, as the agent would read with them.
fn default_plan() -> (MetricsConfig, ReadPlan) {
    let (config, _) = config::resolve(&Sources::default());
    let metrics = config
        .metrics
        .unwrap_or_else(|| unreachable!("the default configuration has metrics on"));
    let plan = ReadPlan::new(&metrics);
    (metrics, plan)
}

/// Calls timed for the JNI call cost.
const CALIBRATION_CALLS: usize = 1 << 20;

fn java_only_rounds(env: &mut Env<'_>, rounds: usize) -> jni::errors::Result<Vec<jlong>> {
    let (_, plan) = default_plan();
    let mut reader = MBeanReader::new(env)?;
    for _ in 0..3 {
        reader.read(env, &plan);
    }
    let mut out = vec![0 as jlong; 2 + rounds];
    for round in 0..rounds {
        let begun = Instant::now();
        out[0] = reader.read_java_only(env, &plan)? as jlong;
        out[2 + round] = begun.elapsed().as_nanos() as jlong;
    }
    out[1] = reader.jni_call_ps(env, &plan, CALIBRATION_CALLS)? as jlong;
    drop(reader);
    Ok(out)
}

fn collect_rounds(env: &mut Env<'_>, rounds: usize) -> jni::errors::Result<Vec<jlong>> {
    let (metrics, plan) = default_plan();
    let mut reader = MBeanReader::new(env)?;
    let encoder = Encoder::new(&[KeyValue::new("service.name", "kafka-connect")], SystemTime::now());
    let mut stalls = StallWatch::new(metrics.stall_intervals);
    let mut mapper = Mapper::default();
    let mut out = vec![0 as jlong; HEADER + 3 * rounds];
    for round in 0..rounds {
        let begun = Instant::now();
        let snapshot = reader.read(env, &plan);
        let read = begun.elapsed();

        let mapped = Instant::now();
        let mut obs = mapper.map(&snapshot);
        if metrics.groups.contains("task") {
            stalls.observe(&mut obs, Instant::now());
        }
        let map = mapped.elapsed();

        let encoded = Instant::now();
        let mut bytes = 0;
        encoder.encode_each(&obs, SystemTime::now(), |body| bytes += body.len());
        let encode = encoded.elapsed();

        out[0] = snapshot.stats.attributes as jlong;
        out[1] = snapshot.stats.mbeans as jlong;
        out[2] = obs.series_count() as jlong;
        out[3] = bytes as jlong;
        for (i, d) in [read, map, encode].into_iter().enumerate() {
            out[HEADER + 3 * round + i] = d.as_nanos() as jlong;
        }
    }
    // The reader's global references are released here, on this attached thread.
    drop(reader);
    Ok(out)
}
