//! `regwatch config check`: every problem at once, each with file, line and key.

use std::path::Path;
use std::process::ExitCode;

use super::context;
use super::output::say;
use crate::config;
use crate::escape::Escaped;

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Validate the config and everything it includes.
    Check,
}

pub(super) fn run(explicit: Option<&Path>, cmd: &ConfigCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ConfigCommand::Check => match config::resolve(explicit, &context::builtin_topics()) {
            Ok(loaded) => {
                for warning in &loaded.warnings {
                    say!("{}", Escaped(warning))?;
                }
                let c = &loaded.config;
                let origin = c.path.as_ref().map_or("built-in defaults".to_owned(), |p| p.display().to_string());
                say!(
                    "{origin}: ok ({} sources, {} topics, {} subscribers, database {})",
                    c.sources.len(),
                    c.topics.len(),
                    c.subscribers.len(),
                    c.storage.database.display()
                )?;
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => {
                for issue in &errors.0 {
                    eprintln!("{}", Escaped(issue));
                }
                Ok(ExitCode::FAILURE)
            }
        },
    }
}
