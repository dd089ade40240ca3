//! Logging: tracing to stderr. At a terminal, compact and coloured; elsewhere (journald,
//! cron, CI) plain and without timestamps, since the collector adds its own; `json` for log
//! shippers. `RUST_LOG` overrides the level.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

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
        LogFormat::Text => builder.with_ansi(false).without_time().try_init(),
    };
}
