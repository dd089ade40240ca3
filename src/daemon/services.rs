//! What the daemon's loops share: the poll's pieces and the courier, built for one config and
//! replaced whole when a reloaded config is accepted.

use std::sync::Arc;

use crate::alert::Courier;
use crate::config::model::Config;
use crate::pipeline::Deps;
use crate::store::Store;

/// What the loops share; replaced whole when a reloaded config is accepted.
#[derive(Debug, Clone)]
pub struct Services {
    pub deps: Deps,
    pub courier: Courier,
}

/// Builds the services for a config over an open store.
pub type Build = dyn Fn(Arc<Config>, Arc<Store>) -> anyhow::Result<Services> + Send + Sync;
