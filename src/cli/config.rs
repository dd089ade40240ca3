//! `regwatch config check`: every problem at once, each with file, line and key.

use std::path::Path;
use std::process::ExitCode;

use super::context;
use crate::config;

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Validate the config and everything it includes.
    Check,
}

pub(super) fn run(explicit: Option<&Path>, cmd: &ConfigCommand) -> ExitCode {
    match cmd {
        ConfigCommand::Check => match config::resolve(explicit, &context::builtin_topics()) {
            Ok(loaded) => {
                for warning in &loaded.warnings {
                    println!("{warning}");
                }
                let c = &loaded.config;
                let origin = c.path.as_ref().map_or("built-in defaults".to_owned(), |p| p.display().to_string());
                println!(
                    "{origin}: ok ({} sources, {} topics, {} subscribers, database {})",
                    c.sources.len(),
                    c.topics.len(),
                    c.subscribers.len(),
                    c.storage.database.display()
                );
                ExitCode::SUCCESS
            }
            Err(errors) => {
                eprintln!("{errors}");
                ExitCode::FAILURE
            }
        },
    }
}
