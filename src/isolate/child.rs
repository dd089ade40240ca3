//! The helper's half: lower this process's own limits, read the file on stdin, extract its
//! text, answer on stdout, exit. Single-threaded and without a runtime, so the address-space
//! limit is spent on the file, not on thread stacks.
//!
//! The limits, set on itself before any input is read (no `unsafe` pre-exec hook needed):
//! - RLIMIT_AS: the memory limit. An allocation past it fails; Rust aborts with a message the
//!   daemon reads, or the library sees the failure as an error.
//! - RLIMIT_CPU: the time limit, rounded up to seconds; past it the kernel sends SIGXCPU (and
//!   SIGKILL a second later).
//! - RLIMIT_CORE 0: a crash writes no core file (a 512 MiB one per hostile PDF otherwise).

use std::io::{Read, Write};
use std::process::ExitCode;

use rlimit::Resource;

use super::outcome::{EXIT_UNLIMITED, Reply};
use crate::extract::attachment::{self, AttachmentFormat};

/// Input read at most: more than any `max_body` a source may set.
const MAX_INPUT: u64 = 1 << 30;

/// Runs the helper. The exit code is 0 whenever an answer was written; see `outcome::read`.
pub fn run(format: &str, memory: u64, cpu_seconds: u64) -> ExitCode {
    if let Err(e) = limit_self(memory, cpu_seconds) {
        eprintln!("could not set resource limits: {e}");
        return ExitCode::from(EXIT_UNLIMITED);
    }
    let Some(format) = AttachmentFormat::from_extension(format) else {
        eprintln!("unknown attachment format `{format}`");
        return ExitCode::from(2);
    };
    let mut body = Vec::new();
    if let Err(e) = std::io::stdin().lock().take(MAX_INPUT).read_to_end(&mut body) {
        eprintln!("could not read the file from standard input: {e}");
        return ExitCode::FAILURE;
    }
    let reply = match attachment::extract_text_within(format, &body, memory) {
        Ok(lines) => Reply::Lines(lines),
        Err(unreadable) => Reply::Unreadable(unreadable.reason),
    };
    drop(body);
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut out, &reply).map_err(std::io::Error::from).and_then(|()| out.flush());
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("could not write the text: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Lowers each limit to `wanted` (never above the hard limit already set: only lowering is
/// allowed without privileges).
fn limit_self(memory: u64, cpu_seconds: u64) -> std::io::Result<()> {
    let wanted = [
        (Resource::AS, memory, memory),
        // The soft limit sends SIGXCPU; the hard one, a second later, SIGKILL.
        (Resource::CPU, cpu_seconds, cpu_seconds.saturating_add(1)),
        (Resource::CORE, 0, 0),
    ];
    for (resource, soft, hard) in wanted {
        let (_, current_hard) = resource.get()?;
        let hard = hard.min(current_hard);
        resource.set(soft.min(hard), hard)?;
    }
    Ok(())
}
