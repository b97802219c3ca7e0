//! Sends the OpenTelemetry SDK's internal warnings and errors (emitted through `tracing`, silent by default)
//! to our log, rate-limited per event name, so that a failing exporter or a dropped batch is visible.

use std::fmt::Write as _;
use std::time::Duration;

use once_cell::sync::Lazy;
use tracing::field::{Field, Visit};
use tracing::{Event, Level as TracingLevel, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::diag::log::{Level, RateLimited};

static LIMIT: Lazy<RateLimited> = Lazy::new(|| RateLimited::new(Duration::from_secs(60)));

struct SdkLogLayer;

const SAID_ELSEWHERE: &[&str] = &["PeriodicReader.ExportError", "Export.Failed.Exhausted"];

#[derive(Default)]
struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl<S: Subscriber> Layer<S> for SdkLogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let level = match *event.metadata().level() {
            TracingLevel::ERROR => Level::Error,
            TracingLevel::WARN => Level::Warn,
            _ => return,
        };
        let name = event.metadata().name();
        // Failed metric exports are already logged (and counted) by our exporter wrapper.
        if SAID_ELSEWHERE.contains(&name) {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        LIMIT.write(level, name, &format!("opentelemetry sdk: {name}:{}", fields.0));
    }
}

/// Installs the bridge as this library's global `tracing` subscriber (our statics are private to the
/// library, so this cannot clash with anything in the worker).
pub fn install() {
    let subscriber = tracing_subscriber::registry().with(SdkLogLayer);
    let _ = tracing::subscriber::set_global_default(subscriber);
}
