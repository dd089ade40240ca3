//! `regwatch run`: the scheduler, the delivery loop, the watchdog and signal handling as tasks
//! under one cancellation token. SIGTERM/SIGINT drain and exit 0; SIGHUP reloads the config.

mod delivery;
mod notify;
mod run;
mod scheduler;
mod services;
mod signals;

pub use run::{DRAIN_DEADLINE, Load, run};
pub use services::{Build, Services};
