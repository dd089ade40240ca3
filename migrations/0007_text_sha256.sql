-- Each version's SHA-256 of its stored text, exactly as kept: evidence of what the page said.
-- `hash` is the comparison hash (what decides whether a text is a new version); this one is the
-- hash of the bytes `/documents/{id}/versions/{n}.txt` serves. Filled in Rust for existing rows.
ALTER TABLE version ADD COLUMN text_sha256 TEXT;
