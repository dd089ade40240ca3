//! Human vs `--json` output. JSON goes to stdout as one document; logs stay on stderr.
//!
//! Every write to stdout goes through here, for two reasons. A closed pipe (`docs list |
//! head`) is a normal end, not a panic: writes fail with `StdoutError::Closed`, which
//! `cli::dispatch` turns into a quiet exit. And what is printed may come from the web (titles,
//! URLs, parser errors) or from a database an older regwatch filled: control and bidi
//! characters in it are written as visible escapes (`crate::escape`), never raw. Callers wrap
//! each such value in `Escaped` so that a line break inside it cannot fake a line of its own;
//! `say!` escapes whatever else reaches it, keeping only the line breaks the caller wrote.

use std::fmt;
use std::io::{self, Write as _};

use serde::Serialize;

use crate::escape;

/// Why a write to stdout failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StdoutError {
    /// The reader went away (EPIPE): the command ends quietly.
    #[error("standard output was closed")]
    Closed,
    #[error("cannot write to standard output: {0}")]
    Io(#[source] io::Error),
}

impl StdoutError {
    /// Whether `error` (or anything in its chain) is a closed standard output.
    pub(super) fn is_closed(error: &anyhow::Error) -> bool {
        error.chain().any(|cause| matches!(cause.downcast_ref::<Self>(), Some(Self::Closed)))
    }
}

/// `println!` for commands: formats, escapes, writes one line; fails instead of panicking.
macro_rules! say {
    () => {
        $crate::cli::output::write_line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::cli::output::write_line(format_args!($($arg)*))
    };
}
pub(super) use say;

/// Writes `args` and a line break, hazards escaped except the line breaks in `args` itself.
pub(crate) fn write_line(args: fmt::Arguments<'_>) -> Result<(), StdoutError> {
    let text = fmt::format(args);
    let mut shown = escape::controls_except(&text, &['\n']).into_owned();
    shown.push('\n');
    write_raw(&shown)
}

/// Writes text that ends its own lines (a rendered diff), hazards escaped except line breaks.
pub(super) fn write_text(text: &str) -> Result<(), StdoutError> {
    write_raw(&escape::controls_except(text, &['\n']))
}

fn write_raw(text: &str) -> Result<(), StdoutError> {
    write_bytes(text.as_bytes())
}

/// Writes bytes as they are (a DOCX file to a pipe): nothing in them is shown on a terminal.
pub(super) fn write_bytes(bytes: &[u8]) -> Result<(), StdoutError> {
    let mut out = io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(|error| match error.kind() {
        io::ErrorKind::BrokenPipe => StdoutError::Closed,
        _ => StdoutError::Io(error),
    })
}

pub(super) fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    // The same JSON value, with the bidi and C1 characters serde leaves raw written as \u escapes.
    write_raw(&format!("{}\n", escape::json(&text)))?;
    Ok(())
}

/// Left-aligned columns sized to their widest cell (in chars; CJK text may look a bit wide).
/// Cells are escaped, so a line break in one cannot start a row.
pub(super) fn print_table(headers: &[&str], rows: &[Vec<String>]) -> Result<(), StdoutError> {
    let rows: Vec<Vec<String>> =
        rows.iter().map(|row| row.iter().map(|cell| escape::controls(cell).into_owned()).collect()).collect();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        say!("{}", padded.join("  ").trim_end())
    };
    line(headers.to_vec())?;
    for row in &rows {
        line(row.iter().map(String::as_str).collect())?;
    }
    Ok(())
}

/// Shortens a cell for tables, on a char boundary.
pub(super) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Topic ids as one comma-separated line.
pub(super) fn topic_list(topics: &[crate::ids::TopicId]) -> String {
    topics.iter().map(crate::ids::TopicId::as_str).collect::<Vec<_>>().join(", ")
}
