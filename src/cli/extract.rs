//! `regwatch __extract FORMAT --memory BYTES --cpu-seconds N`: the hidden helper the daemon
//! re-executes to read one attachment's text under its own resource limits (see `isolate`).
//! Not for people: the file comes on stdin, the lines leave as JSON on stdout.

use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ExtractArgs {
    /// The file's format: pdf, docx.
    pub format: String,
    /// Address-space limit in bytes.
    #[arg(long)]
    pub memory: u64,
    /// CPU-time limit in seconds.
    #[arg(long)]
    pub cpu_seconds: u64,
}

pub(super) fn run(args: &ExtractArgs) -> ExitCode {
    crate::isolate::child::run(&args.format, args.memory, args.cpu_seconds)
}
