-- The outbox: one row per (change, subscriber), written in the same transaction as the change.
-- A row is `pending` until the receiver accepted it (`sent`) or its retry window ran out (`dead`).

CREATE TABLE delivery (
    id            INTEGER PRIMARY KEY,
    msg_id        TEXT NOT NULL UNIQUE,      -- webhook-id and Message-ID seed: stable across retries
    subscriber_id TEXT NOT NULL,
    channel       TEXT NOT NULL,             -- webhook | email
    event         TEXT NOT NULL,             -- document.new | document.changed | document.final | source.*
    change_id     INTEGER REFERENCES change(id),
    source_id     TEXT NOT NULL,
    payload       TEXT NOT NULL,             -- the event body, fixed when the change was recorded
    status        TEXT NOT NULL DEFAULT 'pending',
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    due_at        INTEGER NOT NULL,          -- next attempt; for digests, when the digest is due
    leased_until  INTEGER,                   -- a sender's claim; it lapses, so a crash strands nothing
    sent_at       INTEGER,
    batch         TEXT                       -- Message-ID of the digest it went out in
);
CREATE INDEX delivery_due ON delivery(status, due_at);
CREATE INDEX delivery_subscriber ON delivery(subscriber_id, status);

CREATE TABLE subscriber_state (
    id              TEXT PRIMARY KEY,
    last_digest_at  INTEGER,
    disabled_at     INTEGER,                 -- a webhook answered 410 Gone
    disabled_reason TEXT
);
