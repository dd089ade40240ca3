//! What a helper's end means: its answer on stdout when it exited cleanly, else a reason read
//! from how it died. Two kinds of failure, because the pipeline treats them differently: a
//! file the helper could not read within the limits is recorded `unreadable` (the same file
//! would fail the same way again), while a helper that could not run at all is a passing
//! problem of this machine, so the attachment is simply tried again next poll.

use std::process::ExitStatus;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::model::FetchConfig;
use crate::config::units::format_duration;

/// The helper's exit code when it could not lower its own limits: it refuses to parse
/// unbounded.
pub(super) const EXIT_UNLIMITED: u8 = 3;

// Linux signal numbers (the same on x86-64 and arm64).
const SIGABRT: i32 = 6;
const SIGKILL: i32 = 9;
const SIGSEGV: i32 = 11;
const SIGXCPU: i32 = 24;

/// What a helper may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Address space, in bytes.
    pub memory: u64,
    /// CPU time, and wall-clock time from start to answer.
    pub time: Duration,
}

impl Limits {
    #[must_use]
    pub fn of(fetch: &FetchConfig) -> Self {
        Self { memory: fetch.extract_memory, time: fetch.extract_timeout }
    }

    /// RLIMIT_CPU counts whole seconds: the time, rounded up, at least one.
    #[must_use]
    pub fn cpu_seconds(&self) -> u64 {
        let secs = self.time.as_secs() + u64::from(self.time.subsec_nanos() > 0);
        secs.max(1)
    }

    pub(super) fn too_big(&self) -> String {
        crate::extract::attachment::too_big(self.memory)
    }

    pub(super) fn too_slow(&self) -> String {
        format!("text extraction took longer than {}", format_duration(self.time))
    }
}

/// Why a helper gave no text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The file could not be read within the limits (or at all): record it unreadable.
    #[error("{0}")]
    Unreadable(String),
    /// The helper could not run: try the file again later.
    #[error("text extraction could not run: {0}")]
    NotRun(String),
}

/// The helper's answer on stdout: `{"lines": [...]}` or `{"unreadable": "why"}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Reply {
    Lines(Vec<String>),
    Unreadable(String),
}

/// Reads a finished helper's end.
pub(super) fn read(limits: &Limits, status: ExitStatus, out: &[u8], err: &str) -> Result<Vec<String>, Failure> {
    use std::os::unix::process::ExitStatusExt;
    if status.success() {
        if out.len() as u64 > super::MAX_OUTPUT {
            return Err(Failure::Unreadable(format!("the text is larger than {}", size(super::MAX_OUTPUT))));
        }
        return match serde_json::from_slice::<Reply>(out) {
            Ok(Reply::Lines(lines)) => Ok(lines),
            Ok(Reply::Unreadable(why)) => Err(Failure::Unreadable(why)),
            Err(e) => Err(Failure::NotRun(format!("the helper's answer was not understood: {e}"))),
        };
    }
    // Rust's allocation-failure message, printed before it aborts.
    if err.contains("memory allocation of") {
        return Err(Failure::Unreadable(limits.too_big()));
    }
    let failure = match (status.code(), status.signal()) {
        (Some(code), _) if code == i32::from(EXIT_UNLIMITED) => {
            Failure::NotRun(format!("the helper could not limit itself: {}", last_line(err)))
        }
        (_, Some(SIGXCPU)) => Failure::Unreadable(limits.too_slow()),
        // Not ours (we only kill on the deadline, and say so there): the kernel's OOM killer or
        // an operator. Nothing says the file is to blame.
        (_, Some(SIGKILL)) => {
            Failure::NotRun("the helper was killed (signal 9); the machine may be short of memory".into())
        }
        (_, Some(SIGABRT | SIGSEGV)) if err.contains("overflowed its stack") => {
            Failure::Unreadable("the parser overflowed its stack on this file".into())
        }
        (_, Some(signal)) => Failure::Unreadable(format!("the parser crashed on this file (signal {signal})")),
        (code, None) => {
            let code = code.map_or_else(|| "?".to_owned(), |c| c.to_string());
            Failure::Unreadable(format!("text extraction failed (exit {code}): {}", last_line(err)))
        }
    };
    Err(failure)
}

fn last_line(text: &str) -> &str {
    text.lines().rev().map(str::trim).find(|l| !l.is_empty()).unwrap_or("no message")
}

/// Bytes in the config's own notation where it is exact (`512 MiB`).
pub fn size(bytes: u64) -> String {
    for (unit, factor) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if bytes >= factor && bytes.is_multiple_of(factor) {
            return format!("{} {unit}", bytes / factor);
        }
    }
    format!("{bytes} bytes")
}
