//! Subprocess isolation for parsers that cannot be bounded in-process: attachment text (PDF,
//! DOCX) is read by the binary itself, re-executed as a helper (`regwatch __extract FORMAT`)
//! that first lowers its own memory and CPU limits, then reads the file on stdin and writes
//! the lines as JSON on stdout. A file that needs more than the limits kills or fails the
//! helper, not the daemon: the attachment is recorded unreadable with the reason, and the poll
//! commits.
//!
//! This half runs in the daemon: it starts the helper, feeds it, kills it on the wall-clock
//! deadline, and reads its end (exit status, signal, stderr) into a reason. `child` is the
//! helper's half. Not here: identifying files or reading their text (`extract::attachment`).

pub mod child;
mod outcome;

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;
use tokio::sync::Semaphore;

use crate::config::model::FetchConfig;
use crate::extract::attachment::AttachmentFormat;

pub use outcome::{Failure, Limits, size};

/// The hidden subcommand the helper runs as.
pub const SUBCOMMAND: &str = "__extract";

/// Text the helper may print: a 64 MiB PDF's text is a fraction of this.
const MAX_OUTPUT: u64 = 64 * 1024 * 1024;
/// What is kept of the helper's stderr, for the reason it died.
const MAX_STDERR: u64 = 64 * 1024;

/// Runs text extraction in helper processes, at most one per core at once (each may use the
/// whole memory limit). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Extractor {
    program: PathBuf,
    limits: Limits,
    slots: Arc<Semaphore>,
}

impl Extractor {
    /// Helpers run `program` (the regwatch binary) with `limits`.
    #[must_use]
    pub fn new(program: PathBuf, limits: Limits) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self { program, limits, slots: Arc::new(Semaphore::new(cores)) }
    }

    /// Helpers run this very binary, with the limits of `[fetch]`. `/proc/self/exe` names the
    /// running file even after an upgrade replaced it on disk, so a helper is never a newer
    /// binary than the daemon that feeds it.
    #[must_use]
    pub fn for_this_binary(fetch: &FetchConfig) -> Self {
        let proc_exe = PathBuf::from("/proc/self/exe");
        let program = if proc_exe.exists() {
            proc_exe
        } else {
            std::env::current_exe().unwrap_or_else(|_| PathBuf::from("regwatch"))
        };
        Self::new(program, Limits::of(fetch))
    }

    #[must_use]
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The text of `body` as lines, read by a helper within the limits.
    pub async fn extract_text(&self, format: AttachmentFormat, body: Bytes) -> Result<Vec<String>, Failure> {
        // The semaphore is never closed; a closed one would only mean no limit on helpers.
        let _slot = self.slots.acquire().await.ok();
        let mut child = Command::new(&self.program)
            .arg(SUBCOMMAND)
            .arg(format.as_str())
            .args(["--memory", &self.limits.memory.to_string()])
            .args(["--cpu-seconds", &self.limits.cpu_seconds().to_string()])
            // The helper is no service: it must not talk to systemd or the journal.
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_PID")
            .env_remove("JOURNAL_STREAM")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Failure::NotRun(format!("could not start {}: {e}", self.program.display())))?;
        let (Some(mut stdin), Some(stdout), Some(stderr)) =
            (child.stdin.take(), child.stdout.take(), child.stderr.take())
        else {
            return Err(Failure::NotRun("the helper's pipes were not set up".to_owned()));
        };
        let feed = async move {
            // A helper that dies early closes its stdin; its exit says why, not this write.
            let _ = stdin.write_all(&body).await;
            drop(stdin);
        };
        let run = async {
            let ((), out, err) = tokio::join!(feed, capped(stdout, MAX_OUTPUT), capped(stderr, MAX_STDERR));
            (child.wait().await, out, err)
        };
        let finished = tokio::time::timeout(self.limits.time, run).await;
        let Ok((status, out, err)) = finished else {
            // Kill and reap; kill_on_drop would kill, but only waiting reaps at once.
            let _ = child.kill().await;
            return Err(Failure::Unreadable(self.limits.too_slow()));
        };
        let status = status.map_err(|e| Failure::NotRun(format!("waiting for the helper failed: {e}")))?;
        outcome::read(&self.limits, status, &out, &String::from_utf8_lossy(&err))
    }
}

/// Reads a pipe to its end, keeping at most `cap` bytes (and one more, to tell "too long").
async fn capped(pipe: impl AsyncRead + Unpin, cap: u64) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut limited = pipe.take(cap + 1);
    // A read error ends what we have; the exit status tells the rest.
    let _ = limited.read_to_end(&mut kept).await;
    // Drain the rest so the helper never blocks on a full pipe.
    let _ = tokio::io::copy(&mut limited.into_inner(), &mut tokio::io::sink()).await;
    kept
}

#[cfg(test)]
mod tests;
