//! The bundled sample site `regwatch demo` serves on loopback: a WordPress-style feed with
//! followed posts, a GBK-encoded regulator list page with article pages, and a page watched
//! whole. `edit()` applies the built-in edit between the demo's two passes.
//!
//! Also used by tests and benchmarks as a realistic local site.

mod server;
mod site;

pub use server::{DemoServer, serve};
pub use site::{DemoSite, Edition, ReceivedWebhook};
