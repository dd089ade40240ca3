//! The command line: argument types (clap derive) and dispatch to one file per subcommand.
//! No SQL and no pipeline logic here: commands call the library and format its answers.

mod check;
mod classify;
mod config;
mod context;
mod db;
mod deliveries;
mod demo;
mod diff;
mod digest;
mod docs;
mod extract;
mod output;
mod run;
mod serve;
mod sources;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::telemetry::LogFormat;

#[derive(Debug, Parser)]
#[command(name = "regwatch", version, about = "Watches regulators and legal trackers for new and changed rules.")]
pub struct Cli {
    /// Config file (default: ./regwatch.toml if present, else built-in defaults).
    #[arg(long, global = true, env = "REGWATCH_CONFIG")]
    pub config: Option<PathBuf>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// More log detail (-v debug, -vv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The daemon: poll on schedule, deliver, send digests; SIGTERM drains, SIGHUP reloads.
    Run,
    /// One pass over all (or the named) sources now, then exit.
    Check(check::CheckArgs),
    /// What is configured and how it is doing.
    #[command(subcommand)]
    Sources(sources::SourcesCommand),
    /// What is known: documents, their versions.
    #[command(subcommand)]
    Docs(docs::DocsCommand),
    /// A diff between two versions of a document (default: the last two).
    Diff(diff::DiffArgs),
    /// Topics, stage and comment deadline of a text (first line is the title).
    Classify(classify::ClassifyArgs),
    /// The outbox: deliveries to subscribers.
    #[command(subcommand)]
    Deliveries(deliveries::DeliveriesCommand),
    /// A scheduled subscriber's digest: preview it or send it now.
    #[command(subcommand)]
    Digest(digest::DigestCommand),
    /// Database tools.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Config file tools.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// The reading room: a read-only web view of the database (safe beside `run`).
    Serve(serve::ServeArgs),
    /// Serve a bundled sample site on loopback, poll it twice with an edit between, show the diff.
    Demo(demo::DemoArgs),
    /// Internal: the helper process that reads one attachment's text under resource limits.
    #[command(name = "__extract", hide = true)]
    Extract(extract::ExtractArgs),
}

/// Runs the command; `Err` is printed by `main` with its context chain.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = cli.config.as_deref();
    match cli.command {
        Command::Run => run::run(config),
        Command::Check(args) => check::run(config, &args),
        Command::Sources(cmd) => sources::run(config, cmd),
        Command::Docs(cmd) => docs::run(config, cmd),
        Command::Diff(args) => diff::run(config, &args),
        Command::Classify(args) => classify::run(config, &args),
        Command::Deliveries(cmd) => deliveries::run(config, cmd),
        Command::Digest(cmd) => digest::run(config, cmd),
        Command::Db(cmd) => db::run(config, &cmd),
        Command::Config(cmd) => Ok(config::run(config, &cmd)),
        Command::Serve(args) => serve::run(config, &args),
        Command::Demo(args) => demo::run(&args),
        Command::Extract(args) => Ok(extract::run(&args)),
    }
}
