//! regwatch watches regulators and legal trackers for new and changed rules, keeps every
//! version in SQLite, diffs versions (legal-text aware), tags changes by topic and alerts
//! subscribers.
//!
//! The pipeline: `fetch` → `fetch::charset` → `extract` → `store` (lookup) → `diff` →
//! `classify` → `store` (commit). `pipeline` runs it for one source; `cli` drives it.

pub mod alert; // subscribers: routing, webhooks, email, digests, retries
pub mod classify; // topics, stage, comment deadline, draft→final families
pub mod cli; // the command-line interface: one file per subcommand
pub mod clock; // injectable time for schedule tests
pub mod config; // TOML config: load, include, validate
pub mod daemon; // `regwatch run`: scheduler, delivery loop, signals, sd_notify
pub mod demo; // the bundled sample site `regwatch demo` serves
pub mod diff; // line, word and legal-structure diffs, and their renderings
pub mod extract; // feeds, list pages and article pages into block text
pub mod fetch; // the HTTP client, address policy, politeness, charset decoding
pub mod ids; // newtype ids
pub mod isolate; // helper processes for parsers that cannot be bounded in-process
pub mod json_path; // dotted paths into JSON and link templates (json-list sources)
pub mod pipeline; // one source's poll, stage by stage
pub mod store; // SQLite: the only module that writes SQL
pub mod telemetry; // logging setup
pub mod web; // the reading room: pages, redlines, feeds, metrics (read-only)

pub use extract::{BlockText, Observation};
pub use pipeline::{Deps, PollReport, poll_source};
pub use store::Store;
