//! The agent's own log: one line per event on the worker's standard error, prefixed `connect-otel:`.
//!
//! Why not the JVM's logger: the agent must not load or configure logging classes inside the worker, and
//! its lines must still appear when the JVM's logging is misconfigured. Connect sends stderr to its log.
//! Lines that can repeat every interval (export failures, SDK errors) go through [`RateLimited`].

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

impl Level {
    fn label(self) -> &'static str {
        match self {
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warning",
            Level::Error => "error",
        }
    }
}

static MIN_LEVEL: Lazy<Level> = Lazy::new(|| match std::env::var("OTEL_CONNECT_LOG_LEVEL").ok().as_deref() {
    Some("debug") => Level::Debug,
    Some("warn") | Some("warning") => Level::Warn,
    Some("error") => Level::Error,
    _ => Level::Info,
});

/// Whether lines of `level` are written (`OTEL_CONNECT_LOG_LEVEL`).
pub fn enabled(level: Level) -> bool {
    level >= *MIN_LEVEL
}

/// Writes one line, with any URL's userinfo removed. Never panics: a closed stderr is ignored.
pub fn write(level: Level, message: &str) {
    if !enabled(level) {
        return;
    }
    let message = crate::diag::redact::without_userinfo(message);
    let line = format!("connect-otel: {}: {}\n", level.label(), message.replace('\n', " | "));
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// The line that says a part of the agent (or all of it) is off, and why.
pub fn disabled(what: &str, reason: &str) {
    let reason = crate::diag::redact::without_userinfo(reason);
    let line = format!("connect-otel: disabled: {what}: {reason}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

#[macro_export]
macro_rules! log_info { ($($a:tt)*) => { $crate::diag::log::write($crate::diag::log::Level::Info, &format!($($a)*)) } }
#[macro_export]
macro_rules! log_warn { ($($a:tt)*) => { $crate::diag::log::write($crate::diag::log::Level::Warn, &format!($($a)*)) } }
#[macro_export]
macro_rules! log_error { ($($a:tt)*) => { $crate::diag::log::write($crate::diag::log::Level::Error, &format!($($a)*)) } }
#[macro_export]
macro_rules! log_debug { ($($a:tt)*) => { $crate::diag::log::write($crate::diag::log::Level::Debug, &format!($($a)*)) } }

/// Lets a line with a given key through at most once per `period`; counts what it held back and says so
/// the next time the line goes out.
pub struct RateLimited {
    period: Duration,
    last: Mutex<HashMap<String, (Instant, u64)>>,
}

impl RateLimited {
    pub fn new(period: Duration) -> Self {
        RateLimited {
            period,
            last: Mutex::new(HashMap::new()),
        }
    }

    /// Returns the number of suppressed repeats to mention, or `None` to stay quiet this time.
    pub fn admit(&self, key: &str) -> Option<u64> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        match last.get_mut(key) {
            Some((at, held)) if now.duration_since(*at) < self.period => {
                *held += 1;
                None
            }
            Some((at, held)) => {
                let n = *held;
                *at = now;
                *held = 0;
                Some(n)
            }
            None => {
                last.insert(key.to_string(), (now, 0));
                Some(0)
            }
        }
    }

    pub fn write(&self, level: Level, key: &str, message: &str) {
        if let Some(held) = self.admit(key) {
            if held > 0 {
                write(level, &format!("{message} ({held} similar lines suppressed)"));
            } else {
                write(level, message);
            }
        }
    }
}

/// Installs a panic hook that sends panic messages to our log instead of the application's stderr format.
/// The panic is still caught at the boundary; this only makes the reason visible in one line.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic payload".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        write(
            Level::Error,
            &format!("internal error (caught, the worker is unaffected): {msg}{at}"),
        );
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_admits_first_then_holds_back_repeats() {
        let r = RateLimited::new(Duration::from_secs(3600));
        assert_eq!(r.admit("a"), Some(0));
        assert_eq!(r.admit("a"), None);
        assert_eq!(r.admit("a"), None);
        assert_eq!(r.admit("b"), Some(0));
    }

    #[test]
    fn rate_limit_reports_held_back_count_after_period() {
        let r = RateLimited::new(Duration::from_millis(0));
        assert_eq!(r.admit("a"), Some(0));
        assert_eq!(r.admit("a"), Some(0));
    }
}
