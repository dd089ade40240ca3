-- regwatch schema, version 1. Shipped migrations are never edited: add a new file instead.
-- Timestamps are unix milliseconds (INTEGER) so that comparisons and ordering are exact.

CREATE TABLE source (
    id                   TEXT PRIMARY KEY,
    kind                 TEXT NOT NULL,
    url                  TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    baseline_at          INTEGER,            -- first successful pass: it alerts nobody
    last_polled_at       INTEGER,
    last_success_at      INTEGER,
    next_due             INTEGER,
    last_status          INTEGER,
    last_error           TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    health               TEXT NOT NULL DEFAULT 'new',
    health_reason        TEXT,
    last_item_count      INTEGER,
    config_hash          TEXT                -- fingerprint of the source config the validators belong to
);

-- Conditional GET validators, per URL (list pages and article pages alike).
CREATE TABLE http_cache (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE document (
    id           INTEGER PRIMARY KEY,
    source_id    TEXT NOT NULL REFERENCES source(id),
    url          TEXT NOT NULL,
    title        TEXT NOT NULL,
    published    TEXT,                       -- civil date, YYYY-MM-DD
    first_seen   INTEGER NOT NULL,
    last_seen    INTEGER NOT NULL,
    last_changed INTEGER NOT NULL,
    versions     INTEGER NOT NULL DEFAULT 0,
    listed       INTEGER NOT NULL DEFAULT 1, -- still shown by its list or feed
    dropped_at   INTEGER,                    -- when it left the list
    next_recheck INTEGER,                    -- for dropped documents, while inside the window
    stage        TEXT NOT NULL DEFAULT 'unknown',
    deadline     TEXT,
    topics       TEXT NOT NULL DEFAULT '[]', -- JSON array of topic ids
    family_key   TEXT,                       -- normalised title shared by a draft and its final
    draft_id     INTEGER REFERENCES document(id),
    UNIQUE (source_id, url)
);
CREATE INDEX document_family ON document(family_key);
CREATE INDEX document_recheck ON document(source_id, next_recheck) WHERE next_recheck IS NOT NULL;
CREATE INDEX document_last_changed ON document(last_changed);

CREATE TABLE version (
    doc_id        INTEGER NOT NULL REFERENCES document(id),
    version       INTEGER NOT NULL,
    fetched_at    INTEGER NOT NULL,
    hash          TEXT NOT NULL,             -- sha256 of the normalised block text
    title         TEXT NOT NULL,
    text_zstd     BLOB NOT NULL,
    added_lines   INTEGER NOT NULL,
    removed_lines INTEGER NOT NULL,
    PRIMARY KEY (doc_id, version)
) WITHOUT ROWID;

CREATE TABLE change (
    id            INTEGER PRIMARY KEY,
    doc_id        INTEGER NOT NULL REFERENCES document(id),
    event         TEXT NOT NULL,             -- document.new | document.changed | document.final
    from_doc_id   INTEGER REFERENCES document(id),
    from_version  INTEGER,
    to_version    INTEGER NOT NULL,
    summary       TEXT NOT NULL,
    articles      TEXT NOT NULL,             -- JSON, the contract's `articles`
    topics        TEXT NOT NULL,             -- JSON array
    added_lines   INTEGER NOT NULL,
    removed_lines INTEGER NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX change_doc ON change(doc_id);

CREATE TABLE fetch_log (
    id         INTEGER PRIMARY KEY,
    source_id  TEXT NOT NULL,
    url        TEXT NOT NULL,
    at         INTEGER NOT NULL,
    status     INTEGER,
    bytes      INTEGER,
    elapsed_ms INTEGER,
    error      TEXT
);
CREATE INDEX fetch_log_source ON fetch_log(source_id, at);
