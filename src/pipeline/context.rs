//! One poll's context: what every stage of one source's poll shares (the shared pieces, the
//! source, how its requests are shaped, whether it may ask conditionally, and what the poll has
//! learned from the network so far), and why a poll failed. Stages take `&mut Poll` instead of
//! passing the same six values to each other.

use std::collections::HashMap;
use std::sync::Arc;

use super::Deps;
use super::known::{KnownAttachments, ReadAhead};
use super::request::{self, PollLog, PollShape};
use crate::config::model::SourceSpec;
use crate::fetch::{FetchError, Validators};
use crate::store::StoreError;

/// One poll of one source, as its stages see it.
#[derive(Debug)]
pub(super) struct Poll<'a> {
    pub deps: &'a Deps,
    pub spec: &'a Arc<SourceSpec>,
    /// Headers, deadline, body cap and the prime request's cookies.
    pub shape: PollShape,
    /// Whether stored validators may be sent: not after the source's config changed (a new
    /// selector must re-read pages the server would call unchanged).
    pub conditional: bool,
    /// The validators stored for the source's own URL (none when not `conditional`): read with
    /// the source's state, in the poll's first store call.
    pub own_validators: Validators,
    /// What the first store call read for the 304 the poll expected (`known`).
    pub ahead: ReadAhead,
    /// The recorded attachments of the pages this poll fetches, when they were read with them:
    /// pages that answer 304 are asked about these again.
    pub attachments: Option<KnownAttachments>,
    pub log: PollLog,
}

impl<'a> Poll<'a> {
    /// A poll that sends `own_validators` for the source's URL when `conditional`.
    pub(super) fn new(
        deps: &'a Deps,
        spec: &'a Arc<SourceSpec>,
        conditional: bool,
        own_validators: Validators,
    ) -> Self {
        let own_validators = if conditional { own_validators } else { Validators::default() };
        Self {
            deps,
            spec,
            shape: PollShape::of(spec),
            conditional,
            own_validators,
            ahead: ReadAhead::default(),
            attachments: None,
            log: PollLog::default(),
        }
    }

    /// The source's prime request, when it has one: its cookies shape the rest of the poll.
    pub(super) async fn prime(&mut self) -> Result<(), FetchError> {
        let Some(url) = &self.spec.request.prime else { return Ok(()) };
        let shape = std::mem::take(&mut self.shape);
        self.shape = request::prime(self.deps, url, shape, &mut self.log).await?;
        Ok(())
    }

    /// The validators stored for `urls` when this poll may ask conditionally; none otherwise.
    pub(super) async fn stored_validators(&self, urls: Vec<String>) -> Result<HashMap<String, Validators>, StoreError> {
        if !self.conditional {
            return Ok(HashMap::default());
        }
        self.deps.store.call(move |s| s.snapshot()?.validators_for(&urls)).await
    }
}

/// Why a poll failed as a whole.
#[derive(Debug)]
pub(super) struct PollFailure {
    pub message: String,
    pub status: Option<u16>,
    pub retry_after: Option<std::time::Duration>,
    /// The store, not the source, failed: an operator must look (logged at ERROR).
    pub store: bool,
}

impl PollFailure {
    pub(super) fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), status: None, retry_after: None, store: false }
    }
}

impl From<FetchError> for PollFailure {
    fn from(e: FetchError) -> Self {
        Self { status: e.status(), message: e.to_string(), retry_after: e.retry_after(), store: false }
    }
}

impl From<StoreError> for PollFailure {
    fn from(e: StoreError) -> Self {
        Self { message: format!("reading the database failed: {e}"), status: None, retry_after: None, store: true }
    }
}
