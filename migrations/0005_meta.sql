-- Facts about the database itself that SQL cannot derive: which scheme the stored text hashes
-- follow (they are recomputed in Rust when the comparison key changes).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
