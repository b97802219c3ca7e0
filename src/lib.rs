//! connect-otel: an in-process OpenTelemetry agent for Kafka Connect.
//!
//! Data path: [`jni`] reads MBeans on our daemon thread into a [`snapshot::Snapshot`] → [`mapping`] applies
//! the [`rules`] table → [`encode`] writes the OTLP requests → [`metrics`] hands them to its export thread,
//! which sends them through [`otlp`]. [`agent`] runs the loop and the lifecycle; [`config`] decides every setting once.

#[macro_use]
pub mod log;

pub mod agent;
pub mod check;
pub mod config;
pub mod encode;
pub mod failures;
pub mod ffi;
pub mod mapping;
mod memory;
pub mod metrics;
pub mod objectname;
pub mod otlp;
pub mod redact;
pub mod rules;
pub mod sdk_log;
pub mod snapshot;
pub mod spans;
pub mod stall;
pub mod worker;

mod jni;
