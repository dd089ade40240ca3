//! Every default of the config, named once. Validation, `builtin`, CLI help and the commented
//! example (`config/regwatch.toml`) all read these; nothing else spells a default out.

use std::time::Duration;

use crate::config::model::{AttachmentSpec, EventType, FetchConfig, PrivateNetworks, Schedule, SmtpTls};

/// `[storage] database`, relative to the main config file (or the working directory without one).
pub const DATABASE: &str = "regwatch.db";

/// `[fetch] user_agent`: honest, with a way to reach the operator of the project.
pub const USER_AGENT: &str =
    concat!("regwatch/", env!("CARGO_PKG_VERSION"), " (+https://github.com/regwatch/regwatch)");
pub const TIMEOUT: Duration = Duration::from_secs(30);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const MAX_BODY: u64 = 10 * 1024 * 1024;
pub const MAX_CONCURRENCY: usize = 8;
pub const PER_HOST_CONCURRENCY: usize = 1;
pub const PER_HOST_DELAY: Duration = Duration::from_secs(1);
pub const RESPECT_ROBOTS: bool = true;
pub const PRIVATE_NETWORKS: PrivateNetworks = PrivateNetworks::Deny;
/// Failed polls in a row before a source is reported unhealthy: one failure is weather,
/// three is a broken watch.
pub const UNHEALTHY_AFTER: u32 = 3;
/// `[fetch] max_retry_after`: a server asking for more than a day of quiet is capped at a day,
/// so a typo or a hostile header cannot park a source (or its host) for centuries.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);
/// `[fetch] max_crawl_delay`: robots.txt delays above a minute are capped at a minute; at one
/// request a minute a poll of 50 articles already takes most of an hour.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);
/// `[fetch] extract_memory`: NPC's 40 MB draft PDFs read in well under this; a file that needs
/// more is recorded unreadable instead of taking the machine's memory.
pub const EXTRACT_MEMORY: u64 = 512 * 1024 * 1024;
/// `[fetch] extract_timeout`: reading one attachment's text.
pub const EXTRACT_TIMEOUT: Duration = Duration::from_secs(60);

/// `[[source]]` defaults.
pub const ENABLED: bool = true;
pub const INTERVAL: Duration = Duration::from_secs(60 * 60);
pub const FOLLOW: bool = false;
pub const MAX_ITEMS: usize = 50;
/// `[source.attachments] max_count`: attachments read per article.
pub const MAX_ATTACHMENTS: usize = 5;
/// An article that dropped off its list page is still re-checked for this long: regulators
/// edit drafts in place for weeks after they leave the front page.
pub const RECHECK_WINDOW: Duration = Duration::from_secs(30 * 24 * 60 * 60);
pub const RECHECK_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);
/// Below this an interval is refused outright.
pub const MIN_INTERVAL: Duration = Duration::from_secs(1);
/// Below this an interval is accepted with a warning: no regulator publishes that fast.
pub const POLITE_INTERVAL: Duration = Duration::from_secs(60);

/// `[web] listen`: loopback, so nothing is exposed until the operator says so.
pub const WEB_LISTEN: std::net::SocketAddr =
    std::net::SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

/// `[smtp] tls`.
pub const SMTP_TLS: SmtpTls = SmtpTls::StartTls;

/// `[smtp] port` when not given: the well-known port of the chosen TLS mode.
pub const fn smtp_port(tls: SmtpTls) -> u16 {
    match tls {
        SmtpTls::None => 25,
        SmtpTls::StartTls => 587,
        SmtpTls::Tls => 465,
    }
}

/// `[[subscriber]] schedule`.
pub const SCHEDULE: Schedule = Schedule::Immediate;

/// `[[subscriber]] events`: document events only; source-health events are opt-in.
pub const EVENTS: [EventType; 3] = [EventType::DocumentNew, EventType::DocumentChanged, EventType::DocumentFinal];

/// `[fetch]` with nothing set.
pub fn fetch() -> FetchConfig {
    FetchConfig {
        user_agent: USER_AGENT.to_owned(),
        timeout: TIMEOUT,
        connect_timeout: CONNECT_TIMEOUT,
        max_body: MAX_BODY,
        max_concurrency: MAX_CONCURRENCY,
        per_host_concurrency: PER_HOST_CONCURRENCY,
        per_host_delay: PER_HOST_DELAY,
        respect_robots: RESPECT_ROBOTS,
        private_networks: PRIVATE_NETWORKS,
        unhealthy_after: UNHEALTHY_AFTER,
        max_retry_after: MAX_RETRY_AFTER,
        max_crawl_delay: MAX_CRAWL_DELAY,
        extract_memory: EXTRACT_MEMORY,
        extract_timeout: EXTRACT_TIMEOUT,
    }
}

impl Default for AttachmentSpec {
    fn default() -> Self {
        Self { max_count: MAX_ATTACHMENTS, max_size: None, selector: None }
    }
}
