-- The search index keeps no copy of the texts (`content = ''`): the texts are in `version`,
-- compressed, and the index's own uncompressed copy was most of the database (nine tenths of it
-- in the scale benchmark). `contentless_delete = 1` lets the writer replace a document's row
-- when a new version is written.
--
-- What is indexed is no longer the text itself but its distinct runs between whitespace and
-- punctuation (`search::indexed_text`): a search term's trigrams are looked up only within its
-- own runs, and a found row is then checked against the stored text, so the index needs nothing
-- else. An English text repeats its words: it has a third of the trigrams it had.
--
-- As with 0009, the writer that opens the database next indexes every document again.
DROP TABLE IF EXISTS search;
DELETE FROM meta WHERE key = 'search_index';
CREATE VIRTUAL TABLE search USING fts5(title, body, tokenize = 'trigram', detail = none, content = '', contentless_delete = 1);
