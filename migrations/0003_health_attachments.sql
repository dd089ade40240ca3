-- Source health by cause, and attachments as documents of their own.

-- What made a source unhealthy: failing (N failed polls in a row), empty (the list selector
-- matched nothing), redirected (the list URL now leads somewhere new).
ALTER TABLE source ADD COLUMN health_kind TEXT;
ALTER TABLE source ADD COLUMN health_since INTEGER;
-- Where the list URL led at the last healthy poll: a redirect elsewhere is news.
ALTER TABLE source ADD COLUMN final_url TEXT;

-- An attachment (PDF, DOCX, ...) is a document linked to the article it was found on.
ALTER TABLE document ADD COLUMN parent_id INTEGER REFERENCES document(id);
ALTER TABLE document ADD COLUMN format TEXT;          -- pdf | docx | doc | wps | xlsx | xls
ALTER TABLE document ADD COLUMN unreadable TEXT;      -- why its text could not be read, if so
CREATE INDEX document_parent ON document(parent_id) WHERE parent_id IS NOT NULL;
