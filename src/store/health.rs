//! A source's health as polls judge it: written with the poll, together with the
//! `source.unhealthy` / `source.recovered` deliveries a change of health makes.

use jiff::Timestamp;
use rusqlite::{Transaction, params};

use super::outbox::{self, NewDelivery};
use super::{Result, millis};
use crate::ids::SourceId;

/// Why a source is unhealthy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HealthKind {
    /// Failed `unhealthy_after` polls in a row.
    Failing,
    /// Its list matches nothing, or dropped to zero items.
    Empty,
    /// Its URL leads somewhere new.
    Redirected,
    /// Its links change on every poll (a per-request token): its documents would be new each time.
    Churning,
}

impl HealthKind {
    pub const ALL: [Self; 4] = [Self::Failing, Self::Empty, Self::Redirected, Self::Churning];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Failing => "failing",
            Self::Empty => "empty",
            Self::Redirected => "redirected",
            Self::Churning => "churning",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A source's health as a poll judged it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthWrite {
    /// `None`: healthy.
    pub problem: Option<HealthProblem>,
    /// Where the list URL led, to remember as the healthy destination; credentials masked
    /// (`redact::url`), as the pipeline compares it.
    pub final_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthProblem {
    pub kind: HealthKind,
    pub reason: String,
}

pub(super) fn write(
    tx: &Transaction<'_>,
    source: &SourceId,
    at: Timestamp,
    health: Option<&HealthWrite>,
    events: &[NewDelivery],
) -> Result<()> {
    let Some(health) = health else { return Ok(()) };
    let (state, kind, reason) = match &health.problem {
        None => ("ok", None, None),
        Some(p) => ("unhealthy", Some(p.kind), Some(p.reason.as_str())),
    };
    tx.prepare_cached(
        "UPDATE source SET health_since = CASE WHEN health = ?2 AND health_kind IS ?3 THEN health_since ELSE ?5 END,
         health = ?2, health_kind = ?3, health_reason = ?4, final_url = COALESCE(?6, final_url) WHERE id = ?1",
    )?
    .execute(params![source, state, kind, reason, millis(at), health.final_url])?;
    let key = format!("{}_{}", source.as_str(), millis(at));
    for event in events {
        outbox::enqueue(tx, &format!("{key}_{}", event.event.as_str()), None, None, event, at)?;
    }
    Ok(())
}
