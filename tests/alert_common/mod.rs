//! Loopback servers and sample events shared by the integration tests.
#![allow(dead_code, unreachable_pub, reason = "each test binary uses only part of these helpers, through `mod common`")]

pub mod events;
pub mod receiver;
pub mod smtp;

/// reqwest and lettre are built without a default crypto provider: pick ring, as the daemon does.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
