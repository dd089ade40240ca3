-- The reading room: full-text search over current versions, and the indexes its pages and feeds
-- read by.

-- One row per document (rowid = document.id): its title and its current version's plain text.
-- The trigram tokenizer finds any substring of three or more characters, so 人脸识别 matches
-- inside a Chinese sentence without a word segmenter, and English matches case-insensitively.
-- The text is kept here uncompressed because versions are zstd blobs SQL cannot read: the store
-- writes this row from Rust with every new version, and a writer opening a database indexes the
-- documents it finds missing (the rows of databases from before this migration).
CREATE VIRTUAL TABLE search USING fts5(title, body, tokenize = 'trigram');

-- Recent changes (the front page, every feed) walk changes newest first.
CREATE INDEX change_created ON change(created_at);
-- Upcoming comment deadlines.
CREATE INDEX document_deadline ON document(deadline) WHERE deadline IS NOT NULL;
-- The metrics window over the fetch log, across sources.
CREATE INDEX fetch_log_at ON fetch_log(at);
-- Finals of a draft (a document's family) and a source's documents by recency.
CREATE INDEX document_draft ON document(draft_id) WHERE draft_id IS NOT NULL;
CREATE INDEX document_source_changed ON document(source_id, last_changed);
-- /metrics counts changes by event and deliveries by channel and status: covering indexes let
-- it count without reading the rows (bodies and payloads).
CREATE INDEX change_event ON change(event);
CREATE INDEX delivery_channel_status ON delivery(channel, status);
