//! Everything that opens a socket to a source: the one HTTP client, the address policy that
//! keeps sources off non-public networks (`special`: the IANA registries), politeness (`polite`:
//! robots.txt, the per-host gate and Retry-After behind one client), and charset decoding of
//! what came back.
//!
//! Not here: parsing (`extract`) and storing (`store`).

pub mod address;
pub mod charset;
pub mod client;
pub mod error;
pub mod polite;
pub mod politeness;
pub mod robots;
pub mod special;

pub use client::{FetchOutcome, FetchRequest, Fetched, HttpClient, RequestShape, Validators};
pub use error::{Capped, Delay, FetchError};
pub use polite::Polite;
