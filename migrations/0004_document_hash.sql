-- The text hash of each document's latest version, kept on the document: a poll's lookup
-- compares without reading versions, and a document whose identical text turns up at a new URL
-- of the same source (a changed link, a per-request token) is found by it.
ALTER TABLE document ADD COLUMN hash TEXT;
UPDATE document SET hash = (SELECT v.hash FROM version v WHERE v.doc_id = document.id AND v.version = document.versions);
CREATE INDEX document_source_hash ON document(source_id, hash) WHERE hash IS NOT NULL;
