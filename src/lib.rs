//! connect-otel: an in-process OpenTelemetry agent for Kafka Connect.
//!
//! The data path is the folder order: [`jni`] reads the MBeans on our daemon thread into a
//! [`collect`] snapshot (what the [`collect::rules`] ask for) → [`metrics`] maps it to series, encodes OTLP
//! requests and hands them to its export thread → [`transport`] sends them. Beside it: [`spans`] (the Java
//! tracing API's spans), [`failures`] (FAILED tasks as log records), [`worker`] (the worker's identity),
//! [`config`] (every setting, decided once) and [`diag`] (our own log lines). [`agent`] runs the loop and the
//! lifecycle; [`jni`] is the only way in (JNI and the C ABI), and the only place where `unsafe` is allowed.
#![deny(unsafe_code)]

#[macro_use]
mod diag;

mod agent;
mod check;
mod collect;
mod config;
mod failures;
// The boundary: exported symbols (`no_mangle`: JNI and the C ABI) and raw calls into the JVM and libc. Every
// unsafe block in it carries a SAFETY comment; nothing else in the crate may use `unsafe`. `jni` allows it only
// in the few of its modules and items that need it (see its module documentation).
mod jni;
mod metrics;
mod spans;
mod transport;
mod worker;

/// The names of our settings and metric groups and the agent-argument rule, for the tests that hold the
/// documents, the deployment files and the Java shim to them. Nothing else of the crate is public: its one
/// product is the cdylib.
#[doc(hidden)]
pub mod reference {
    pub use crate::collect::rules::GROUP_NAMES;
    pub use crate::config::{env_name, parse_agent_args};
}
