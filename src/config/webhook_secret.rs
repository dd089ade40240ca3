//! A subscriber's webhook secret as a signing key: `whsec_<base64>` decoded (the Standard
//! Webhooks convention), anything else taken as its bytes. Here, below the alerts, because the
//! config refuses a secret that cannot sign when it is loaded, not when the first delivery
//! goes out. The signing itself is `alert::webhook`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// The prefix of secrets written the Standard Webhooks way: the rest is base64.
pub const SECRET_PREFIX: &str = "whsec_";

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// Carries nothing of the decoder's error: it names a character of the secret and where.
    #[error("webhook secret starts with `whsec_` but the rest is not valid base64")]
    SecretBase64 {},
    #[error("webhook secret is empty")]
    SecretEmpty,
}

/// The HMAC key of a configured secret: `whsec_<base64>` is decoded (the Standard Webhooks
/// convention, so receivers can paste the same string into their library); anything else is
/// used as its bytes.
pub fn signing_key(secret: &str) -> Result<Vec<u8>, WebhookError> {
    let key = match secret.strip_prefix(SECRET_PREFIX) {
        Some(encoded) => BASE64.decode(encoded).map_err(|_| WebhookError::SecretBase64 {})?,
        None => secret.as_bytes().to_vec(),
    };
    if key.is_empty() {
        return Err(WebhookError::SecretEmpty);
    }
    Ok(key)
}
