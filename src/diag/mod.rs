//! The agent's own diagnostics: its log lines (rate-limited, never a secret), the SDK's internal log bridged
//! into them, the redaction both apply, and the lines that explain its own error and skip counters.

#[macro_use]
pub mod log;
pub mod explain;
pub mod redact;
pub mod sdk_log;
