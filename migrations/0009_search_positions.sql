-- The search index without token positions (`detail = none`). With positions, indexing was half
-- of a first pass's time (a 100 KB page has some 100,000 trigram positions) and the index was
-- twice the size of the texts. A term is now found by the trigrams it contains, all of which a
-- row must hold, and the store then reads the row's text to keep only those holding the term
-- itself (`store::search`). The rows are rewritten by the writer that opens the database next
-- (`search::backfill`, which indexes every document with no row, then records in `meta` that
-- none is missing so that later starts do not look again).
DROP TABLE IF EXISTS search;
DELETE FROM meta WHERE key = 'search_index';
CREATE VIRTUAL TABLE search USING fts5(title, body, tokenize = 'trigram', detail = none);
