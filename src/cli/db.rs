//! `regwatch db backup PATH`: an online copy of the database, safe while `run` writes.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::context;
use super::output::say;

#[derive(Debug, clap::Subcommand)]
pub enum DbCommand {
    /// Copy the database to PATH with SQLite's online backup.
    Backup { path: PathBuf },
}

pub(super) fn run(config: Option<&Path>, cmd: &DbCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DbCommand::Backup { path } => {
            // symlink_metadata: a dangling symlink is something there too.
            anyhow::ensure!(
                std::fs::symlink_metadata(path).is_err(),
                "{} already exists; choose a new file for the backup",
                path.display()
            );
            let store = context::open_database_read_only(config)?;
            store.backup_to(path)?;
            say!("backed up {} to {}", store.path().display(), path.display())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
