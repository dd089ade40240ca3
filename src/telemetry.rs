//! Logging: tracing to stderr. At a terminal, compact and coloured; elsewhere (journald,
//! cron, CI) plain and without timestamps, since the collector adds its own; `json` for log
//! shippers. `RUST_LOG` overrides the level. Under systemd (stderr connected to the journal)
//! each line starts with its syslog priority (`<3>` error … `<7>` debug), so the journal can
//! filter by it.
//!
//! Log lines carry text from the web (titles, parser errors, URLs). In the text formats every
//! field value and message is escaped (`crate::escape`: a newline in a value is written `\n`,
//! so it can never start a line of its own, let alone a forged `<3>` journal entry) and has the
//! credentials of any URL in it masked (`crate::redact`). JSON lines are escaped by their
//! encoder; URL credentials are masked there too.

use std::fmt;
use std::io::IsTerminal;

use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::{FmtContext, MakeWriter};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use crate::escape;
use crate::redact;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable; colours and timestamps only at a terminal.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Where the lines go, which decides their shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `--log-format json`.
    Json,
    /// A terminal: compact, coloured, timestamped.
    Terminal,
    /// systemd's journal (`JOURNAL_STREAM` set): plain, each line prefixed with its priority.
    Journal,
    /// Anything else (a file, cron, CI): plain, no timestamps.
    Plain,
}

impl Style {
    /// The style for `format` on this process's stderr.
    #[must_use]
    pub fn detect(format: LogFormat) -> Self {
        match format {
            LogFormat::Json => Self::Json,
            LogFormat::Text if std::io::stderr().is_terminal() => Self::Terminal,
            LogFormat::Text if std::env::var_os("JOURNAL_STREAM").is_some() => Self::Journal,
            LogFormat::Text => Self::Plain,
        }
    }
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
    // Ignoring the error: a subscriber already set (tests, embedding) keeps its own settings.
    let _ = dispatch(Style::detect(format), filter, std::io::stderr).try_init();
}

/// The subscriber for `style`, writing to `writer`.
pub fn dispatch<W>(style: Style, filter: EnvFilter, writer: W) -> Dispatch
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer);
    match style {
        Style::Json => {
            let json = builder.json().flatten_event(true);
            Dispatch::new(json.map_event_format(RedactedJson).finish())
        }
        Style::Terminal => Dispatch::new(builder.compact().fmt_fields(EscapedFields).finish()),
        Style::Journal => {
            let plain = format::Format::default().with_ansi(false).without_time();
            Dispatch::new(builder.with_ansi(false).event_format(Prioritised(plain)).fmt_fields(EscapedFields).finish())
        }
        Style::Plain => Dispatch::new(builder.with_ansi(false).without_time().fmt_fields(EscapedFields).finish()),
    }
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

/// The text formats' fields: the message, then `name=value` pairs, each value redacted and
/// escaped so that one event is always one line.
#[derive(Debug, Clone, Copy, Default)]
pub struct EscapedFields;

impl<'writer> FormatFields<'writer> for EscapedFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut visitor = EscapingVisitor { writer, result: Ok(()), first: true };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct EscapingVisitor<'w> {
    writer: Writer<'w>,
    result: fmt::Result,
    first: bool,
}

impl Visit for EscapingVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_err() {
            return;
        }
        let text = format!("{value:?}");
        let text = redact::text(&text);
        let shown = escape::controls(&text);
        let separator = if std::mem::take(&mut self.first) { "" } else { " " };
        self.result = match field.name() {
            "message" => write!(self.writer, "{separator}{shown}"),
            name => write!(self.writer, "{separator}{}={shown}", name.trim_start_matches("r#")),
        };
    }
}

/// A JSON line with URL credentials masked in every string of it (fields, message, spans);
/// serde escapes control characters itself. Masking works on the parsed value: masking the
/// serialised text could cut an escape sequence in two.
struct RedactedJson<F>(F);

impl<S, N, F> FormatEvent<S, N> for RedactedJson<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let mut line = String::new();
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(mut value) => {
                redact_strings(&mut value);
                writeln!(writer, "{value}")
            }
            // Not JSON after all: at least one line, escaped.
            Err(_) => writeln!(writer, "{}", escape::controls(&redact::text(line.trim_end()))),
        }
    }
}

fn redact_strings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) => {
            if let std::borrow::Cow::Owned(clean) = redact::text(text) {
                *text = clean;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_strings),
        serde_json::Value::Object(map) => map.values_mut().for_each(redact_strings),
        _ => {}
    }
}

/// What `emit` logs at any level, as the plain format writes it: for tests of log output.
#[cfg(test)]
pub(crate) fn captured(style: Style, emit: impl FnOnce()) -> String {
    let buffer = tests::Buffer::default();
    let dispatch = dispatch(style, EnvFilter::new("trace"), buffer.clone());
    // IMPORTANT: with a single live dispatcher, tracing computes the interest of a callsite
    // first hit on another test thread from that thread's default (none), and caches `never`.
    // A second live dispatcher makes it ask every registered one instead.
    let _companion = Dispatch::new(tracing::subscriber::NoSubscriber::default());
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::callsite::rebuild_interest_cache();
        emit();
    });
    let bytes = buffer.0.lock().map(|b| b.clone()).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    /// Collects what a subscriber writes.
    #[derive(Clone, Default)]
    pub(crate) struct Buffer(pub(crate) Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Buffer {
        type Writer = Self;

        fn make_writer(&'w self) -> Self::Writer {
            self.clone()
        }
    }

    fn logged(style: Style, emit: impl FnOnce()) -> String {
        captured(style, emit)
    }

    #[test]
    fn a_newline_in_a_field_cannot_forge_a_journal_entry() {
        let hostile = "unsupported JSON Feed version\n<3>forged: disk full\r\n\u{1b}[2J";
        let out = logged(Style::Journal, || {
            tracing::warn!(error = %hostile, title = hostile, "Poll failed; will retry.");
        });
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.starts_with("<4>"), "{out}");
        assert!(out.contains("\\n<3>forged"), "{out}");
        assert!(!out.contains('\u{1b}') && !out.contains('\r'), "{out}");
        assert!(out.ends_with('\n'), "{out}");
    }

    #[test]
    fn messages_are_escaped_too() {
        let issue = "regwatch.toml:3: key: bad\n<2>critical";
        let out = logged(Style::Plain, || tracing::warn!("{issue}"));
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(out.contains("bad\\n<2>critical"), "{out}");
    }

    #[test]
    fn url_credentials_are_masked_in_every_format() {
        let url = url::Url::parse("http://user:hunter2@127.0.0.1:9/feed?api_key=SECRET&page=2").unwrap();
        for style in [Style::Plain, Style::Journal, Style::Terminal, Style::Json] {
            let out = logged(style, || {
                tracing::warn!(url = %url, error = "GET http://user:hunter2@127.0.0.1:9/x failed", "Poll failed.");
            });
            assert!(!out.contains("hunter2") && !out.contains("SECRET"), "{style:?}: {out}");
            assert!(out.contains("api_key=***") && out.contains("page=2"), "{style:?}: {out}");
        }
    }

    #[test]
    fn json_lines_stay_json() {
        let out = logged(Style::Json, || tracing::info!(count = 3, ok = true, title = "a\nb", "Done."));
        let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(line["count"], 3);
        assert_eq!(line["ok"], true);
        assert_eq!(line["title"], "a\nb");
        assert_eq!(line["message"], "Done.");
    }
}
