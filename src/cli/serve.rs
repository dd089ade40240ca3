//! `regwatch serve [--listen ADDR]`: the reading room on its own, over the database opened
//! read-only, so it runs safely beside `regwatch run`. Stops on SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use super::context;
use crate::config::defaults;
use crate::web::{self, SchedulerProbe, WebState};

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (default: `[web] listen`, else 127.0.0.1:8080). Off loopback,
    /// `[web]` must set username and password.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
}

pub(super) fn run(config: Option<&Path>, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = context::load_config(config)?;
    let web = config.web.as_ref();
    let listen = args.listen.or(web.map(|w| w.listen)).unwrap_or(defaults::WEB_LISTEN);
    if !listen.ip().is_loopback() && web.and_then(|w| w.auth.as_ref()).is_none() {
        anyhow::bail!(
            "refusing to serve on {listen} without a password: off loopback, set [web] username and password_env \
             (or password_file) in the config"
        );
    }
    let state = WebState::open(&config, SchedulerProbe::none())?;
    context::runtime()?.block_on(async move {
        let listener = web::bind(listen).await?;
        eprintln!("regwatch: the reading room is at http://{}/", listener.local_addr().context("no local address")?);
        web::serve(listener, state, stop_signal()).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// SIGINT or SIGTERM.
async fn stop_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    tracing::info!("Stopping the reading room.");
}
