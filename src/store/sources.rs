//! Sources as the store knows them: poll state, health, schedule.

use jiff::Timestamp;
use rusqlite::{OptionalExtension, Row, params};

use super::health::HealthKind;
use super::{Reads, Result, Store, from_millis, millis};
use crate::config::model::SourceSpec;
use crate::ids::SourceId;

/// A source's health as `sources list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Never polled successfully yet.
    New,
    Ok,
    Unhealthy {
        reason: String,
    },
}

impl Health {
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Ok => "ok",
            Self::Unhealthy { .. } => "unhealthy",
        }
    }
}

/// What one scheduling step found: sources to poll now, each with the time it was due (the
/// epoch for one never polled), and when the next source not taken is due (`None`: no other).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleStep {
    pub due: Vec<(SourceId, Timestamp)>,
    pub next: Option<Timestamp>,
}

/// What the store remembers of one source.
#[derive(Debug, Clone)]
pub struct SourceState {
    pub id: SourceId,
    pub baseline_at: Option<Timestamp>,
    pub last_polled_at: Option<Timestamp>,
    pub last_success_at: Option<Timestamp>,
    pub next_due: Option<Timestamp>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    pub health: Health,
    pub documents: u64,
    pub config_hash: Option<String>,
    /// Why, while unhealthy.
    pub health_kind: Option<HealthKind>,
    /// Where the list URL led at the last healthy poll.
    pub final_url: Option<String>,
    pub last_item_count: Option<u64>,
}

const STATE_COLUMNS: &str = "s.id, s.baseline_at, s.last_polled_at, s.last_success_at, s.next_due, s.last_status,
    s.last_error, s.consecutive_failures, s.health, s.health_reason,
    (SELECT COUNT(*) FROM document d WHERE d.source_id = s.id), s.config_hash, s.health_kind, s.final_url,
    s.last_item_count";

fn state_from_row(row: &Row<'_>) -> rusqlite::Result<SourceState> {
    let health: String = row.get(8)?;
    let reason: Option<String> = row.get(9)?;
    Ok(SourceState {
        id: row.get(0)?,
        baseline_at: row.get::<_, Option<i64>>(1)?.map(from_millis),
        last_polled_at: row.get::<_, Option<i64>>(2)?.map(from_millis),
        last_success_at: row.get::<_, Option<i64>>(3)?.map(from_millis),
        next_due: row.get::<_, Option<i64>>(4)?.map(from_millis),
        last_status: row.get::<_, Option<u16>>(5)?,
        last_error: row.get(6)?,
        consecutive_failures: row.get(7)?,
        health: match health.as_str() {
            "ok" => Health::Ok,
            "unhealthy" => Health::Unhealthy { reason: reason.unwrap_or_default() },
            _ => Health::New,
        },
        documents: row.get::<_, i64>(10)?.try_into().unwrap_or(0),
        config_hash: row.get(11)?,
        health_kind: row.get(12)?,
        final_url: row.get(13)?,
        last_item_count: row.get::<_, Option<i64>>(14)?.and_then(|n| u64::try_from(n).ok()),
    })
}

impl Store {
    /// Makes sure every configured source has a row; existing rows keep their state.
    pub fn register_sources(&self, specs: &[std::sync::Arc<SourceSpec>], now: Timestamp) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO source (id, kind, url, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, url = excluded.url",
            )?;
            for spec in specs {
                // The source's URL as shown anywhere: its credentials stay in the config.
                stmt.execute(params![spec.id, spec.kind.as_str(), crate::redact::url(&spec.url), millis(now)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// One scheduling step: walks sources soonest due first (never polled first: due now),
    /// skipping those `startable` refuses (disabled, removed from the config, already polling),
    /// and takes up to `free` that are due at `now`. The walk stops at the first startable source
    /// it does not take, whose due time is when to look again: the cost is the sources taken and
    /// skipped, not the number watched (the `source_next_due` index keeps them in order).
    pub fn schedule_step(
        &self,
        now: Timestamp,
        free: usize,
        startable: &mut dyn FnMut(&str) -> bool,
    ) -> Result<ScheduleStep> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT id, next_due FROM source ORDER BY next_due")?;
        let mut rows = stmt.query([])?;
        let mut step = ScheduleStep::default();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            if !startable(&id) {
                continue;
            }
            let due_at: Option<i64> = row.get(1)?;
            let due = due_at.map_or(Timestamp::UNIX_EPOCH, from_millis);
            if due <= now && step.due.len() < free {
                step.due.push((SourceId(id), due));
            } else {
                step.next = Some(due);
                break;
            }
        }
        Ok(step)
    }

    /// After a reload: a source whose interval shrank is due no later than one new interval.
    pub fn clamp_next_due(&self, id: &SourceId, now: Timestamp, interval: std::time::Duration) -> Result<()> {
        let latest = millis(now).saturating_add(i64::try_from(interval.as_millis()).unwrap_or(i64::MAX));
        self.conn().execute(
            "UPDATE source SET next_due = MIN(next_due, ?2) WHERE id = ?1 AND next_due IS NOT NULL",
            params![id, latest],
        )?;
        Ok(())
    }

    pub fn source_state(&self, id: &SourceId) -> Result<Option<SourceState>> {
        self.snapshot()?.source_state(id)
    }

    pub fn source_states(&self) -> Result<Vec<SourceState>> {
        let conn = self.conn();
        let sql = format!("SELECT {STATE_COLUMNS} FROM source s ORDER BY s.id");
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map([], state_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Reads<'_> {
    pub fn source_state(&self, id: &SourceId) -> Result<Option<SourceState>> {
        let sql = format!("SELECT {STATE_COLUMNS} FROM source s WHERE s.id = ?1");
        Ok(self.conn().prepare_cached(&sql)?.query_row([id], state_from_row).optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::with_page_sources;

    #[test]
    fn a_step_takes_due_sources_soonest_first_and_stops_at_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let store = with_page_sources(dir.path(), &["new", "early", "late", "busy", "future", "later"]);
        let at = |s: i64| Timestamp::from_second(s).unwrap();
        for (id, due) in [("early", 100), ("late", 200), ("busy", 50), ("future", 1_000), ("later", 2_000)] {
            store
                .conn()
                .execute("UPDATE source SET next_due = ?2 WHERE id = ?1", params![id, at(due).as_millisecond()])
                .unwrap();
        }
        let now = at(500);
        // `busy` is polling already: skipped, not counted.
        let mut startable = |id: &str| id != "busy";
        let step = store.schedule_step(now, 10, &mut startable).unwrap();
        let due: Vec<&str> = step.due.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(due, ["new", "early", "late"]);
        assert_eq!(step.due[0].1, Timestamp::UNIX_EPOCH, "never polled: due since the epoch");
        assert_eq!(step.next, Some(at(1_000)));

        // Two free slots: the third due source is what to wake for (now).
        let step = store.schedule_step(now, 2, &mut startable).unwrap();
        assert_eq!(step.due.len(), 2);
        assert_eq!(step.next, Some(at(200)));

        // Nothing startable: nothing due, nothing next.
        let step = store.schedule_step(now, 10, &mut |_| false).unwrap();
        assert_eq!(step, ScheduleStep::default());
    }
}
