//! The kill harness: regwatch's crash safety, kept proven. A loopback site whose pages change
//! every round; `check` and `run` SIGKILLed at random moments, sometimes both at once on one
//! database, sometimes again while they recover; after each round and at the end, the database
//! and the receivers are checked against everything seen before (`ledger`).
//!
//! `tests/kill_harness.rs` runs a few kills in CI; `scripts/kill-harness/run.sh` runs many.

#![expect(unreachable_pub, reason = "one test crate's modules: `pub` marks what each offers the others")]

pub mod config;
pub mod harness;
pub mod ledger;
pub mod process;
pub mod receiver;
pub mod site;
pub mod snapshot;
pub mod wal;
