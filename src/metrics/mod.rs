//! Snapshot → series → OTLP request bodies → the export thread. [`series`] is the model every later stage
//! shares; [`census`] and [`kept`] serve [`mapping`]; [`stall`] watches the series for stalled tasks
//! and [`lifecycle`] for restarts, transitions and time in state;
//! [`encode`] writes the requests with [`proto`]'s primitives; [`ends`] finds the series an export no longer
//! has; [`export`] owns the export thread and [`memory`] gives freed memory back after each export.

mod census;
pub mod encode;
mod ends;
pub mod export;
mod kept;
pub mod lifecycle;
pub mod mapping;
mod proto;
pub mod series;
pub mod stall;
