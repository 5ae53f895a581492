//! Logging: `tracing` to standard error, text for people or JSON for collectors
//! (`KABINET_LOG_FORMAT=json`), one line per request (see `web::context`).

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

pub fn parse_filter(spec: &str) -> Result<Targets, tracing_subscriber::filter::ParseError> {
    spec.parse()
}

/// Installs the global subscriber once; later calls (tests start many apps) are ignored.
pub fn init(format: LogFormat, level: &str) {
    let filter =
        parse_filter(level).unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Text => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
}
