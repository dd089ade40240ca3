//! `regwatch run`: the daemon. Logs go to stderr (the journal under systemd).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use super::context;
use crate::clock::SystemClock;
use crate::config::{self, model::Config};
use crate::daemon::{self, Build};
use crate::pipeline::Deps;
use crate::store::Store;

pub(super) fn run(explicit: Option<&Path>) -> anyhow::Result<ExitCode> {
    let config = context::load_config(explicit)?;
    let explicit: Option<PathBuf> = explicit.map(Path::to_path_buf).or_else(|| config.path.clone());
    let load: Arc<daemon::Load> = Arc::new(move || -> anyhow::Result<Arc<Config>> {
        let loaded = config::resolve(explicit.as_deref(), &context::builtin_topics())
            .map_err(|errors| anyhow::anyhow!("invalid config:\n{errors}"))?;
        for warning in &loaded.warnings {
            tracing::warn!("{warning}");
        }
        Ok(Arc::new(loaded.config))
    });
    let build: Arc<Build> = Arc::new(|config: Arc<Config>, store| {
        let topics = context::topic_pack(&config)?;
        let courier = context::courier(&config, &store, &topics)?;
        let deps = Deps::new(config, store, topics, Arc::new(SystemClock))?;
        Ok(daemon::Services { deps, courier })
    });
    let store = Arc::new(Store::open(&config.storage.database)?);
    context::runtime()?.block_on(daemon::run(store, config, load, build))?;
    Ok(ExitCode::SUCCESS)
}
