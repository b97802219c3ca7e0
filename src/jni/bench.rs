//! Test builds only (feature `test-hooks`): `TestHooks.benchCollect(rounds)` and
//! `TestHooks.benchPaired(rounds, floor)`, the "ours" column of the collection benchmark
//! (`scripts/bench-collection.sh`, `bench/collection/`).
//!
//! A round is one full collection on the caller's thread, along the agent's collect loop: the `ReadPlan` of
//! the default configuration, the JNI `MBeanReader`, the `Mapper` and stall detection, then the OTLP
//! request bodies an export sends (`encode::Encoder::encode_each`, one request at a time as the export thread
//! encodes them, each dropped where that thread would send it). Only the sending is left out.
//! The reader lives across the rounds, as in the agent, so the first rounds carry the warm-up (caches) and
//! the caller drops them.

use std::time::{Duration, Instant, SystemTime};

use jni::errors::Result as JResult;
use jni::objects::{JClass, JLongArray, JObject, JObjectArray, JString};
use jni::sys::{jint, jlong};
use jni::{jni_sig, jni_str, Env, EnvUnowned};
use opentelemetry::KeyValue;

use super::raw::NoPending;
use super::reader::MBeanReader;
use super::settle;
use crate::collect::plan::ReadPlan;
use crate::config::{self, MetricsConfig, Sources};
use crate::metrics::encode::Encoder;
use crate::metrics::lifecycle::Lifecycle;
use crate::metrics::mapping::Mapper;
use crate::metrics::stall::StallWatch;

/// Values before the per-round triples in the returned array: attributes, MBeans, series, bytes encoded
/// (of the last round).
const HEADER: usize = 4;

/// `TestHooks.benchCollect(int rounds)`: `[attributes, mbeans, series, bytes, read_ns, map_ns, encode_ns, …]`
/// with one `read_ns, map_ns, encode_ns` triple per round, or null after an error (logged).
#[allow(unsafe_code)] // an export
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_TestHooks_benchCollect<'l>(
    unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
    rounds: jint,
) -> JLongArray<'l> {
    long_array("benchCollect", unowned, |env| {
        collect_rounds(env, rounds.max(1) as usize)
    })
}

/// `TestHooks.benchPaired(int rounds, Runnable floor)`: the round-by-round comparison the benchmark's
/// times and ratios come from. Each round runs, next to each other on the caller's thread, `floor.run()` (the
/// pure-Java floor), one full collection as `benchCollect` runs it, and the read's Java work alone; even
/// rounds in that order, odd rounds reversed, so that neither the floor nor the Java work always follows
/// ours. A slow or fast stretch of the machine then lands on all three alike and cancels in each round's
/// ratio, which one block of floor rounds followed by one of ours does not do.
///
/// The read's Java work alone, on a reader of its own: after three full reads (the caches and what each
/// MBean declares are then learned), it repeats the `queryNames` and `getAttributes` calls of a read without
/// unpacking the results (`MBeanReader::read_java_only`, below). A read minus this is what crossing JNI value by
/// value costs. After the rounds, the cost of the cheapest JNI call that returns a reference
/// (`MBeanReader::jni_call_ps`, below).
///
/// Returns `[attributes, mbeans, series, bytes, java_values, jni_call_ps, floor_ns, read_ns, map_ns,
/// encode_ns, java_ns, …]` with one quintuple per round, or null after an error (logged).
#[allow(unsafe_code)] // an export
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_TestHooks_benchPaired<'l>(
    unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
    rounds: jint,
    floor: JObject<'l>,
) -> JLongArray<'l> {
    long_array("benchPaired", unowned, |env| {
        paired_rounds(env, rounds.max(1) as usize, &floor)
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
    let plan = ReadPlan::new(metrics.selection());
    (metrics, plan)
}

/// Calls timed for the JNI call cost.
const CALIBRATION_CALLS: usize = 1 << 20;

/// One full collection's parts, living across rounds as they live across cycles in the agent.
struct Collection {
    metrics: MetricsConfig,
    plan: ReadPlan,
    reader: MBeanReader,
    encoder: Encoder,
    stalls: StallWatch,
    lifecycle: Lifecycle,
    mapper: Mapper,
}

/// What one round of [`Collection::round`] measured.
struct Round {
    read: Duration,
    map: Duration,
    encode: Duration,
    attributes: u64,
    mbeans: u64,
    series: usize,
    bytes: usize,
}

impl Round {
    /// Attributes, MBeans, series, bytes: the first values of both entries' arrays.
    fn header(&self) -> [jlong; HEADER] {
        [
            self.attributes as jlong,
            self.mbeans as jlong,
            self.series as jlong,
            self.bytes as jlong,
        ]
    }
}

impl Collection {
    fn new(env: &mut Env<'_>) -> jni::errors::Result<Collection> {
        let (metrics, plan) = default_plan();
        Ok(Collection {
            reader: MBeanReader::new(env)?,
            encoder: Encoder::new(&[KeyValue::new("service.name", "kafka-connect")], SystemTime::now()),
            stalls: StallWatch::new(metrics.stall_intervals),
            lifecycle: Lifecycle::default(),
            mapper: Mapper::default(),
            metrics,
            plan,
        })
    }

    fn round(&mut self, env: &mut Env<'_>) -> Round {
        let begun = Instant::now();
        let snapshot = self.reader.read(env, &self.plan);
        let read = begun.elapsed();

        let mapped = Instant::now();
        let mut obs = self.mapper.map(&snapshot);
        if self.metrics.groups.contains("task") {
            self.stalls.observe(&mut obs, Instant::now());
        }
        let follows = snapshot.follows_registrations;
        self.lifecycle
            .observe(&mut obs, &snapshot.starts, follows, Instant::now(), SystemTime::now());
        let map = mapped.elapsed();

        let encoded = Instant::now();
        let mut bytes = 0;
        self.encoder
            .encode_each(&obs, SystemTime::now(), |body| bytes += body.len());
        let encode = encoded.elapsed();
        Round {
            read,
            map,
            encode,
            attributes: snapshot.stats.attributes,
            mbeans: snapshot.stats.mbeans,
            series: obs.series_count(),
            bytes,
        }
    }
}

fn collect_rounds(env: &mut Env<'_>, rounds: usize) -> jni::errors::Result<Vec<jlong>> {
    let mut collection = Collection::new(env)?;
    let mut out = vec![0 as jlong; HEADER + 3 * rounds];
    for round in 0..rounds {
        let r = collection.round(env);
        out[..HEADER].copy_from_slice(&r.header());
        for (i, d) in [r.read, r.map, r.encode].into_iter().enumerate() {
            out[HEADER + 3 * round + i] = d.as_nanos() as jlong;
        }
    }
    // The reader's global references are released here, on this attached thread.
    drop(collection);
    Ok(out)
}

/// Values before the per-round quintuples of `benchPaired`: `HEADER`'s four, then the Java work's value
/// count and one JNI call's cost.
const PAIRED_HEADER: usize = HEADER + 2;

fn paired_rounds(env: &mut Env<'_>, rounds: usize, floor: &JObject<'_>) -> jni::errors::Result<Vec<jlong>> {
    let mut collection = Collection::new(env)?;
    let mut java_only = MBeanReader::new(env)?;
    for _ in 0..3 {
        java_only.read(env, &collection.plan);
    }
    let mut out = vec![0 as jlong; PAIRED_HEADER + 5 * rounds];
    let mut java_values = 0;
    for round in 0..rounds {
        let reversed = round % 2 == 1;
        let (mut floor_time, mut java_time) = (Duration::ZERO, Duration::ZERO);
        if reversed {
            java_time = time_java_work(env, &mut java_only, &collection.plan, &mut java_values)?;
        } else {
            floor_time = time_floor(env, floor)?;
        }
        let r = collection.round(env);
        if reversed {
            floor_time = time_floor(env, floor)?;
        } else {
            java_time = time_java_work(env, &mut java_only, &collection.plan, &mut java_values)?;
        }
        out[..HEADER].copy_from_slice(&r.header());
        let at = PAIRED_HEADER + 5 * round;
        for (i, d) in [floor_time, r.read, r.map, r.encode, java_time].into_iter().enumerate() {
            out[at + i] = d.as_nanos() as jlong;
        }
    }
    out[HEADER] = java_values as jlong;
    out[HEADER + 1] = java_only.jni_call_ps(env, &collection.plan, CALIBRATION_CALLS)? as jlong;
    // The readers' global references are released here, on this attached thread.
    drop(java_only);
    drop(collection);
    Ok(out)
}

/// One `floor.run()`.
fn time_floor(env: &mut Env<'_>, floor: &JObject<'_>) -> jni::errors::Result<Duration> {
    let begun = Instant::now();
    env.call_method(floor, jni_str!("run"), jni_sig!("()V"), &[])?;
    Ok(begun.elapsed())
}

/// One read's Java work alone; `values` becomes the number of values its `getAttributes` calls returned.
fn time_java_work(
    env: &mut Env<'_>,
    reader: &mut MBeanReader,
    plan: &ReadPlan,
    values: &mut u64,
) -> jni::errors::Result<Duration> {
    let begun = Instant::now();
    *values = reader.read_java_only(env, plan)?;
    Ok(begun.elapsed())
}

impl MBeanReader {
    /// The Java work of the last `read` again, without unpacking anything: per query one `queryNames`, per
    /// MBean read one `getAttributes` with the same request (or its `MBeanInfo`'s names, as `read` does for
    /// groups that take every attribute); of each result only the size is read. Returns the attribute values
    /// the calls returned.
    fn read_java_only(&mut self, env: &mut Env<'_>, plan: &ReadPlan) -> JResult<u64> {
        let mut ok = NoPending::clear(env);
        let mut values = 0;
        for (query, pattern) in plan.queries.iter().enumerate() {
            let object_names = ok.frame(8, |ok| self.query_names(ok, pattern))?;
            let elements = ok.elements(&object_names)?;
            for index in 0..elements.len() {
                values += ok.frame(16, |ok| -> JResult<u64> {
                    let Some(object_name) = ok.element(&elements, index) else {
                        return Ok(0);
                    };
                    let (slot, object_name) =
                        self.names
                            .slot_of(&self.m, ok, query, index, object_name, plan, self.cycle)?;
                    let Some(known) = self.names.known(slot) else {
                        return Ok(0);
                    };
                    let names_local;
                    let names: &JObjectArray<JString> = match (known.group, known.declared) {
                        (Some(group), Some(declared)) => &self.requests.get(group, declared.subset).array,
                        (Some(group), None) if plan.attributes[group].is_none() => {
                            names_local = self.m.declared_names(ok, &object_name)?;
                            &names_local
                        }
                        _ => return Ok(0),
                    };
                    let Some(list) = self.m.get_attributes(ok, &object_name, names)? else {
                        return Ok(0);
                    };
                    Ok(self.m.list_size(ok, &list)? as u64)
                })?;
            }
        }
        Ok(values)
    }

    /// The mean wall time, in picoseconds, of `GetObjectArrayElement` over `calls` calls on the first
    /// query's names. It is the cheapest JNI call that hands back a reference, and reading a value takes at
    /// least three such calls (the `Attribute`, its value, the number in it).
    fn jni_call_ps(&mut self, env: &mut Env<'_>, plan: &ReadPlan, calls: usize) -> JResult<u64> {
        const PER_FRAME: usize = 1024;
        let Some(pattern) = plan.queries.first() else {
            return Ok(0);
        };
        let mut ok = NoPending::clear(env);
        let names = ok.frame(8, |ok| self.query_names(ok, pattern))?;
        let elements = ok.elements(&names)?;
        let n = elements.len();
        if n == 0 {
            return Ok(0);
        }
        let frames = calls.div_ceil(PER_FRAME);
        let begun = std::time::Instant::now();
        for _ in 0..frames {
            ok.frame(PER_FRAME + 8, |ok| -> JResult<()> {
                for i in 0..PER_FRAME {
                    let _ = ok.element(&elements, i % n);
                }
                Ok(())
            })?;
        }
        Ok((begun.elapsed().as_nanos() * 1000 / (frames * PER_FRAME) as u128) as u64)
    }
}
