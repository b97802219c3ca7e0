//! A line, now and then, for each kind of read error and left-out value that the agent counts.
//!
//! Why: `connect_otel.read.errors` and `connect_otel.values.skipped` say how many, not which MBean or why,
//! and an operator whose alert fires needs the MBean, the attribute and the exception. A counted cause
//! usually lasts (every collection, every MBean of a type), so each kind is said once per [`PERIOD`] per
//! scope (an MBean group), with the number held back in between. Whether a line is due is an array index
//! and a comparison with the clock read once per collection: events a healthy worker has every cycle (NaN of
//! an idle window) cost nothing measurable. The line, and whatever it needs (re-reading an attribute to learn
//! its exception), is made only when due.

use std::time::{Duration, Instant};

use super::log::{enabled, write, Level};

/// How often a line of one kind and scope may be written.
pub const PERIOD: Duration = Duration::from_secs(600);

/// Every kind of event counted in `connect_otel.read.errors` or `connect_otel.values.skipped`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The MBean was unregistered between `queryNames` and reading it.
    Vanished,
    /// `getAttributes` left out a requested attribute: its getter threw.
    Attribute,
    /// A value could not be converted (its `toString()` threw).
    Conversion,
    /// A JNI call failed while reading one MBean.
    Jni,
    /// An MBean's name could not be read or parsed.
    Name,
    /// The `queryNames` of a whole pattern failed.
    Query,
    /// A NaN or ±Infinity value.
    NonFinite,
    /// A success/failure percentage pair both 0.
    NoSamples,
    /// An attribute whose value is null.
    Null,
    /// An attribute whose getter Kafka makes throw while its task or the worker starts.
    Starting,
    /// An MBean whose connector or task could not be worked out.
    Unattributed,
}

/// The number of kinds (`Unattributed` is the last).
const KINDS: usize = Event::Unattributed as usize + 1;

impl Event {
    fn index(self) -> usize {
        self as usize
    }

    /// The series that counts it, as `metric{attribute="value"}`.
    pub fn counter(self) -> &'static str {
        match self {
            Event::Vanished => "connect_otel.read.errors{error.type=\"vanished\"}",
            Event::Attribute => "connect_otel.read.errors{error.type=\"attribute\"}",
            Event::Conversion => "connect_otel.read.errors{error.type=\"conversion\"}",
            Event::Jni => "connect_otel.read.errors{error.type=\"jni\"}",
            Event::Name => "connect_otel.read.errors{error.type=\"name\"}",
            Event::Query => "connect_otel.read.errors{error.type=\"query\"}",
            Event::NonFinite => "connect_otel.values.skipped{reason=\"non_finite\"}",
            Event::NoSamples => "connect_otel.values.skipped{reason=\"no_samples\"}",
            Event::Null => "connect_otel.values.skipped{reason=\"null\"}",
            Event::Starting => "connect_otel.values.skipped{reason=\"starting\"}",
            Event::Unattributed => "connect_otel.values.skipped{reason=\"unattributed\"}",
        }
    }

    /// Real errors (a metric is missing and something is wrong) are warnings. What every healthy worker has
    /// is debug, so that it never fills the worker's log: a stopping task's MBean vanishing mid-read, NaN of
    /// a window without samples, a pool without a collection usage, a starting task's status, the worker's
    /// own clients.
    pub fn level(self) -> Level {
        match self {
            Event::Attribute | Event::Conversion | Event::Jni | Event::Name | Event::Query => Level::Warn,
            Event::Vanished
            | Event::NonFinite
            | Event::NoSamples
            | Event::Null
            | Event::Starting
            | Event::Unattributed => Level::Debug,
        }
    }
}

/// The line for `event`, with what the caller found out and how many were held back since the last one.
pub fn line(event: Event, detail: &str, held: u64) -> String {
    let mut s = format!("{}: {detail}", event.counter());
    if held > 0 {
        s.push_str(&format!(
            " ({held} more of this kind for this MBean type since the last such line)"
        ));
    }
    s
}

#[derive(Clone, Copy, Default)]
struct Slot {
    /// When a line may be written again; `None`: none written yet.
    next: Option<Instant>,
    held: u64,
}

/// Rate limits the lines of each [`Event`] per scope (an MBean group's index, or one past the last for
/// events of no group), and writes them.
pub struct Explainer {
    period: Duration,
    now: Instant,
    slots: Vec<Slot>,
}

impl Default for Explainer {
    fn default() -> Self {
        Explainer::with_period(PERIOD)
    }
}

impl Explainer {
    pub fn with_period(period: Duration) -> Self {
        Explainer {
            period,
            now: Instant::now(),
            slots: Vec::new(),
        }
    }

    /// The time the lines of this collection are judged by: read once per collection, not per event.
    pub fn begin(&mut self, now: Instant) {
        self.now = now;
    }

    /// `n` events of `event` in `scope`: when a line is due, `detail` says what and why, and it is written.
    /// `detail` is not called for a level the log leaves out: it may read from the JVM.
    #[inline]
    pub fn note(&mut self, event: Event, scope: usize, n: u64, detail: impl FnOnce() -> String) {
        if let Some(held) = self.due(event, scope, n) {
            if enabled(event.level()) {
                write(event.level(), &line(event, &detail(), held));
            }
        }
    }

    /// `Some(held back since the last line)` when a line is due now; else counts `n` as held back.
    #[inline]
    fn due(&mut self, event: Event, scope: usize, n: u64) -> Option<u64> {
        let i = scope * KINDS + event.index();
        if i >= self.slots.len() {
            self.slots.resize(i + 1, Slot::default());
        }
        let slot = &mut self.slots[i];
        if slot.next.is_some_and(|next| self.now < next) {
            slot.held += n;
            return None;
        }
        // The events of this line are its own, not held back.
        let held = slot.held;
        *slot = Slot {
            next: Some(self.now + self.period),
            held: 0,
        };
        Some(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_kind_and_scope_per_period_then_the_held_back_count() {
        let start = Instant::now();
        let mut e = Explainer::with_period(Duration::from_secs(600));
        e.begin(start);
        assert_eq!(e.due(Event::Attribute, 3, 5), Some(0));
        assert_eq!(e.due(Event::Attribute, 3, 5), None);
        // Another kind, another scope: each has its own line.
        assert_eq!(e.due(Event::Null, 3, 1), Some(0));
        assert_eq!(e.due(Event::Attribute, 4, 1), Some(0));
        e.begin(start + Duration::from_secs(599));
        assert_eq!(e.due(Event::Attribute, 3, 5), None);
        e.begin(start + Duration::from_secs(600));
        assert_eq!(e.due(Event::Attribute, 3, 2), Some(10));
        assert_eq!(e.due(Event::Attribute, 3, 1), None);
        e.begin(start + Duration::from_secs(1200));
        assert_eq!(e.due(Event::Attribute, 3, 1), Some(1));
        // Nothing held back: the next line says so.
        e.begin(start + Duration::from_secs(1800));
        assert_eq!(e.due(Event::Attribute, 3, 1), Some(0));
    }

    #[test]
    fn the_detail_is_made_only_when_a_line_is_due() {
        let mut e = Explainer::with_period(Duration::from_secs(600));
        let mut made = 0;
        for _ in 0..100 {
            // A warning: written at the default level.
            e.note(Event::Attribute, 0, 1, || {
                made += 1;
                String::new()
            });
        }
        assert_eq!(made, 1);
    }

    #[test]
    fn lines_name_the_counter_and_what_was_held_back() {
        assert_eq!(
            line(Event::Attribute, "kafka.connect:type=x: attribute a: threw E: m", 0),
            "connect_otel.read.errors{error.type=\"attribute\"}: kafka.connect:type=x: attribute a: threw E: m"
        );
        assert!(
            line(Event::Null, "d", 7).ends_with("(7 more of this kind for this MBean type since the last such line)")
        );
    }

    #[test]
    fn real_errors_warn_and_what_a_healthy_worker_has_is_debug() {
        for e in [
            Event::Attribute,
            Event::Conversion,
            Event::Jni,
            Event::Name,
            Event::Query,
        ] {
            assert_eq!(e.level(), Level::Warn, "{e:?}");
        }
        for e in [
            Event::Vanished,
            Event::NonFinite,
            Event::NoSamples,
            Event::Null,
            Event::Starting,
            Event::Unattributed,
        ] {
            assert_eq!(e.level(), Level::Debug, "{e:?}");
        }
    }
}
