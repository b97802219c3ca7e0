//! The JNI boundary: every `unsafe` line, every `Java_*` export and `JNI_OnLoad` live here.
//!
//! Rules of this module: each native entry runs inside `with_env`, which catches panics, and resolves its
//! outcome without ever throwing into Java (the agent must not disturb the worker); the JVM is only touched
//! from the caller's thread during the call, or from our collector thread, which is attached as a daemon.
//! Everything outside this module is plain Rust that does not know it runs in a JVM.
//!
//! Within it, `unsafe` is allowed only where it cannot be avoided: the exports (`no_mangle`), [`raw`] (the
//! JNI functions called directly, behind the no-exception-pending proof), [`methods`] (calls through cached
//! IDs, each after the check that makes it sound), [`daemon`] (the attach), [`libc`] (`malloc_trim`) and
//! [`c_abi`] (the C ABI's exports, for tools without a JVM). The reader's other modules are safe Rust over
//! `raw` and `methods`.

#[cfg(feature = "test-hooks")]
mod bench;
// The library's C ABI (`connect_otel_check`, the ABI version), for tools that load it without a JVM.
#[allow(unsafe_code)]
mod c_abi;
mod convert;
#[allow(unsafe_code)]
mod daemon;
mod declared;
mod explain;
#[allow(unsafe_code)]
mod libc;
#[allow(unsafe_code)]
mod methods;
mod names;
#[allow(unsafe_code)]
mod raw;
mod reader;
mod registrations;
mod request;

use std::collections::BTreeMap;
use std::ffi::c_void;

use jni::objects::{JByteArray, JClass, JDoubleArray, JObjectArray, JString};
use jni::sys::{jboolean, jint, JNI_VERSION_1_8};
use jni::{Env, EnvUnowned, JavaVM, Outcome};

use crate::agent::{self, MBeanSource, Started};
use crate::collect::plan::ReadPlan;
use crate::collect::snapshot::Snapshot;

/// Called by `System.load`. Records the VM and prepares process-wide hooks; touches nothing in Java.
#[allow(unsafe_code)] // an export
#[no_mangle]
pub extern "system" fn JNI_OnLoad(vm: *mut jni::sys::JavaVM, _reserved: *mut c_void) -> jint {
    let _ = std::panic::catch_unwind(|| {
        // SAFETY: the JVM passes its own valid JavaVM pointer to JNI_OnLoad.
        let _vm = unsafe { JavaVM::from_raw(vm) };
        crate::diag::log::install_panic_hook();
        crate::diag::sdk_log::install();
        crate::transport::install_tls_provider();
    });
    JNI_VERSION_1_8
}

/// Turns the outcome of a native entry into its return value: errors and panics become one log line.
fn settle<T: Default>(entry: &str, outcome: Outcome<T, jni::errors::Error>) -> T {
    match outcome {
        Outcome::Ok(v) => v,
        Outcome::Err(e) => {
            crate::log_error!("{entry}: {e}");
            T::default()
        }
        // The panic hook has already logged the message.
        Outcome::Panic(_) => T::default(),
    }
}

fn optional_string(env: &mut Env<'_>, s: &JString<'_>) -> jni::errors::Result<Option<String>> {
    if s.is_null() {
        Ok(None)
    } else {
        s.try_to_string(env).map(Some)
    }
}

/// A `String[]` of key, value, key, value, … as a map (null array or elements skipped).
fn string_pairs(
    env: &mut Env<'_>,
    array: &JObjectArray<'_, JString<'_>>,
) -> jni::errors::Result<BTreeMap<String, String>> {
    let mut pairs = BTreeMap::new();
    if array.is_null() {
        return Ok(pairs);
    }
    let n = array.len(env)?;
    let mut i = 0;
    while i + 1 < n {
        let k = array.get_element(env, i)?;
        let v = array.get_element(env, i + 1)?;
        if let (Some(k), Some(v)) = (optional_string(env, &k)?, optional_string(env, &v)?) {
            pairs.insert(k, v);
        }
        i += 2;
    }
    Ok(pairs)
}

/// The collector thread's view of the JVM: attached as a daemon for its whole life.
struct JniSource {
    vm: JavaVM,
    reader: Option<reader::MBeanReader>,
}

impl MBeanSource for JniSource {
    fn memory_release(&self) -> Option<fn()> {
        Some(libc::release_free_memory)
    }

    fn read(&mut self, plan: &ReadPlan) -> Snapshot {
        let Some(reader) = self.reader.as_mut() else {
            return Snapshot::default();
        };
        // Already attached: this only pushes a local frame around the cycle.
        self.vm
            .attach_current_thread(|env| -> jni::errors::Result<Snapshot> { Ok(reader.read(env, plan)) })
            .unwrap_or_default()
    }
}

impl Drop for JniSource {
    fn drop(&mut self) {
        // Global references must be released while this thread is still attached.
        let reader = self.reader.take();
        let _ = self.vm.attach_current_thread(|env| -> jni::errors::Result<()> {
            if let Some(mut reader) = reader {
                reader.close(env);
            }
            Ok(())
        });
        daemon::detach(&self.vm);
    }
}

fn jni_source() -> Result<Box<dyn MBeanSource>, String> {
    let vm = JavaVM::singleton().map_err(|e| format!("no JavaVM: {e}"))?;
    daemon::attach_as_daemon(&vm, c"connect-otel-collector")?;
    let reader = vm.attach_current_thread(reader::MBeanReader::new);
    match reader {
        Ok(reader) => Ok(Box::new(JniSource {
            vm,
            reader: Some(reader),
        })),
        Err(e) => {
            daemon::detach(&vm);
            Err(format!("cannot reach the platform MBeanServer: {e}"))
        }
    }
}

/// `NativeAgent.start(String agentArgs, String[] keyValues, String javaCommand)`: 0 when running, 1 when
/// disabled (the reason is already logged).
#[allow(unsafe_code)] // an export
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_NativeAgent_start<'l>(
    mut unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
    agent_args: JString<'l>,
    properties: JObjectArray<'l, JString<'l>>,
    java_command: JString<'l>,
) -> jint {
    let outcome = unowned
        .with_env(|env| -> jni::errors::Result<jint> {
            let args = optional_string(env, &agent_args)?.unwrap_or_default();
            let command = optional_string(env, &java_command)?;
            let props = string_pairs(env, &properties)?;
            Ok(match agent::start(&args, props, command, Box::new(jni_source)) {
                Started::Running => 0,
                Started::Disabled(reason) => {
                    crate::diag::log::disabled("agent", &reason);
                    1
                }
                Started::OffByProblems => 1,
            })
        })
        .into_outcome();
    settle("start", outcome)
}

/// `NativeAgent.shutdown()`: from the JVM's shutdown hook; returns within the shutdown budget.
#[allow(unsafe_code)] // an export
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_NativeAgent_shutdown<'l>(
    mut unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
) {
    let outcome = unowned
        .with_env(|_env| -> jni::errors::Result<()> {
            agent::shutdown();
            Ok(())
        })
        .into_outcome();
    settle("shutdown", outcome)
}

/// `NativeAgent.version()`.
#[allow(unsafe_code)] // an export
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_NativeAgent_version<'l>(
    mut unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
) -> jint {
    let outcome = unowned
        .with_env(|_env| -> jni::errors::Result<jint> { Ok(c_abi::connect_otel_abi_version() as jint) })
        .into_outcome();
    settle("version", outcome)
}

/// `NativeAgent.libraryVersion()`: the library's version (Cargo's), for the self-check's report.
#[allow(unsafe_code)] // an export
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_NativeAgent_libraryVersion<'l>(
    mut unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
) -> JString<'l> {
    let outcome = unowned
        .with_env(|env| -> jni::errors::Result<JString<'l>> { env.new_string(env!("CARGO_PKG_VERSION")) })
        .into_outcome();
    settle("libraryVersion", outcome)
}

/// `NativeAgent.check(String agentArgs, String[] otelProperties, String workerConfig)`: the self-check's lines
/// (`src/check.rs`), each starting with its mark, or null after an internal error (already logged). Blocks
/// for at most the export timeout plus a little; called only by `java -jar … check`, never in a worker.
#[allow(unsafe_code)] // an export
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_NativeAgent_check<'l>(
    mut unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
    agent_args: JString<'l>,
    properties: JObjectArray<'l, JString<'l>>,
    worker_config: JString<'l>,
) -> JObjectArray<'l, JString<'l>> {
    let outcome = unowned
        .with_env(|env| -> jni::errors::Result<JObjectArray<'l, JString<'l>>> {
            let args = optional_string(env, &agent_args)?.unwrap_or_default();
            let props = string_pairs(env, &properties)?;
            let worker_config = optional_string(env, &worker_config)?;
            let sources = crate::config::Sources::new(&args, props, crate::config::otel_environment());
            let lines = crate::check::run(&sources, worker_config.as_deref());
            let empty = JString::null();
            let array = JObjectArray::<JString>::new(env, lines.len(), &empty)?;
            for (i, line) in lines.iter().enumerate() {
                let s = env.new_string(line.render())?;
                array.set_element(env, i, &s)?;
                env.delete_local_ref(s);
            }
            Ok(array)
        })
        .into_outcome();
    settle("check", outcome)
}

/// `NativeAgent.submitSpan(byte[] buffer, int length)`: called on connector threads with the thread's reused
/// encoding buffer; copies its first `length` bytes (once, and only when the queue has room) and queues them,
/// never waits. A zero length asks whether the queue has room before a span is encoded (when it has none, that
/// span is dropped and counted).
#[allow(unsafe_code)] // an export
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_NativeAgent_submitSpan<'l>(
    mut unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
    buffer: JByteArray<'l>,
    length: jint,
) -> jboolean {
    if length == 0 {
        // Only a question about the queue, asked for every span while the queue is full: it touches no Java
        // object, so it skips setting up an `Env` (which costs more than the answer); panics are still caught.
        return std::panic::catch_unwind(crate::spans::room_or_drop).unwrap_or(false);
    }
    let outcome = unowned
        .with_env(|env| -> jni::errors::Result<jboolean> {
            let Ok(length) = usize::try_from(length) else {
                return Ok(false);
            };
            if buffer.is_null() {
                return Ok(false);
            }
            crate::spans::submit_with(length, |bytes| {
                // SAFETY: u8 and i8 have the same size and alignment, and every bit pattern is valid for both.
                let bytes = unsafe { &mut *(bytes as *mut [u8] as *mut [i8]) };
                buffer.get_region(env, 0, bytes)
            })
        })
        .into_outcome();
    settle("submitSpan", outcome)
}

/// `NativeAgent.traceSettings()`: the sampler and limits for the Java API, or null when tracing is off.
#[allow(unsafe_code)] // an export
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_NativeAgent_traceSettings<'l>(
    mut unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
) -> JDoubleArray<'l> {
    let outcome = unowned
        .with_env(|env| -> jni::errors::Result<JDoubleArray<'l>> {
            let Some(settings) = agent::trace_settings() else {
                return Ok(JDoubleArray::default());
            };
            let array = env.new_double_array(settings.len())?;
            array.set_region(env, 0, &settings)?;
            Ok(array)
        })
        .into_outcome();
    settle("traceSettings", outcome)
}

/// Test builds only: a native entry that panics, to prove the panic never reaches the JVM.
#[cfg(feature = "test-hooks")]
#[allow(unsafe_code)] // an export
#[no_mangle]
pub extern "system" fn Java_io_connectotel_agent_internal_TestHooks_panicForTest<'l>(
    mut unowned: EnvUnowned<'l>,
    _class: JClass<'l>,
    message: JString<'l>,
) -> jint {
    let outcome = unowned
        .with_env(|env| -> jni::errors::Result<jint> {
            let m = optional_string(env, &message)?.unwrap_or_default();
            panic!("deliberate test panic: {m}");
        })
        .into_outcome();
    settle("panicForTest", outcome) + 7
}
