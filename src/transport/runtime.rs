//! The small tokio runtime the gRPC exporters run on, and how export failures are reported.

use std::sync::Mutex;
use std::time::Duration;

use crate::diag::log::{Level, RateLimited};
use once_cell::sync::Lazy;

pub(super) static RUNTIME: Lazy<Mutex<Option<tokio::runtime::Runtime>>> = Lazy::new(|| Mutex::new(None));
static EXPORT_ERRORS: Lazy<RateLimited> = Lazy::new(|| RateLimited::new(Duration::from_secs(60)));

/// Runs `f` inside the I/O runtime, creating it on first use.
pub(super) fn in_runtime<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let mut slot = RUNTIME.lock().unwrap_or_else(|e| e.into_inner());
    if slot.is_none() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("connect-otel-io")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the I/O runtime: {e}"))?;
        *slot = Some(rt);
    }
    let rt = slot.as_ref().ok_or("no runtime")?;
    let _guard = rt.enter();
    Ok(f())
}

/// Runs `f` with the I/O runtime as the current tokio context (tonic's futures need its reactor), without
/// holding the runtime's lock while `f` runs.
pub fn with_runtime_context<T>(f: impl FnOnce() -> T) -> T {
    let handle = RUNTIME
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|rt| rt.handle().clone());
    let _guard = handle.as_ref().map(|h| h.enter());
    f()
}

/// Stops the I/O runtime; call after every exporter is shut down, never from a tokio thread.
pub fn shutdown_runtime(timeout: Duration) {
    let rt = RUNTIME.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(rt) = rt {
        rt.shutdown_timeout(timeout);
    }
}

/// A request that got no answer: says so, with the limit and the key that sets it (the endpoint is in the
/// line around it).
pub fn timed_out(timeout: Duration) -> String {
    format!(
        "timed out: no answer within {} ms (otel.exporter.otlp.timeout)",
        timeout.as_millis()
    )
}

/// `message` and the innermost cause of `e`, which says what happened ("Connection refused"), where tonic's and
/// reqwest's own text only says where ("tcp connect error", "error sending request for url").
pub(super) fn with_cause(message: String, e: &dyn std::error::Error) -> String {
    let mut root = e.source();
    while let Some(next) = root.and_then(|r| r.source()) {
        root = Some(next);
    }
    match root.map(|r| r.to_string()) {
        Some(cause) if !message.contains(&cause) => format!("{message}: {cause}"),
        _ => message,
    }
}

/// Logs a failed metric export, at most once a minute.
pub fn log_export_failure(endpoint: &str, error: &str) {
    EXPORT_ERRORS.write(
        Level::Warn,
        "metrics-export",
        &format!("metric export to {endpoint} failed: {error}"),
    );
}

/// Logs points a collector took the request for but rejected (OTLP partial success), at most once a minute.
pub fn log_rejected_points(endpoint: &str, points: u64, reason: &str) {
    let reason = if reason.is_empty() { "no reason given" } else { reason };
    EXPORT_ERRORS.write(
        Level::Warn,
        "metrics-export-rejected",
        &format!("metric export to {endpoint}: the collector rejected {points} data points: {reason}"),
    );
}

/// Logs a collection skipped because the one before is still being sent, at most once a minute — on its own
/// limit, so that it never hides the line that says why the sending takes so long (a timeout, usually).
pub fn log_skipped_collection(endpoint: &str, timeout: Duration) {
    EXPORT_ERRORS.write(
        Level::Warn,
        "metrics-export-skipped",
        &format!(
            "metric export to {endpoint}: a collection was skipped: the previous one is still waiting for an answer \
             (it may wait up to {} ms, otel.exporter.otlp.timeout)",
            timeout.as_millis()
        ),
    );
}
