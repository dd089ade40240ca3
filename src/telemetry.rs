//! Logging: tracing to stderr. At a terminal, compact and coloured; elsewhere (journald,
//! cron, CI) plain and without timestamps, since the collector adds its own; `json` for log
//! shippers. `RUST_LOG` overrides the level. Under systemd (stderr connected to the journal)
//! each line starts with its syslog priority (`<3>` error … `<7>` debug), so the journal can
//! filter by it.

use std::fmt;
use std::io::IsTerminal;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::FmtContext;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields, Writer};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable; colours and timestamps only at a terminal.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Installs the global subscriber. `verbose` raises the default level (info → debug → trace);
/// `quiet` starts from warn instead of info.
pub fn init(format: LogFormat, verbose: u8, quiet: bool) {
    let level = match verbose {
        0 if quiet => "warn",
        0 => "info",
        1 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(format!("regwatch={level},warn")));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // Ignoring the error: a subscriber already set (tests, embedding) keeps its own settings.
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text if std::io::stderr().is_terminal() => builder.compact().try_init(),
        LogFormat::Text if std::env::var_os("JOURNAL_STREAM").is_some() => {
            let plain = format::Format::default().with_ansi(false).without_time();
            builder.with_ansi(false).event_format(Prioritised(plain)).try_init()
        }
        LogFormat::Text => builder.with_ansi(false).without_time().try_init(),
    };
}

/// An event format that starts each line with the sd-daemon priority prefix systemd reads
/// from a service's stderr (`SyslogLevelPrefix=`, on by default).
struct Prioritised<F>(F);

impl<S, N, F> FormatEvent<S, N> for Prioritised<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        write!(writer, "<{}>", priority(*event.metadata().level()))?;
        self.0.format_event(ctx, writer, event)
    }
}

/// syslog(3) priorities: err, warning, info, debug.
const fn priority(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        Level::DEBUG | Level::TRACE => 7,
    }
}
