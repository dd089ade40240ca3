-- Scale: the daemon's scheduler walks sources soonest due first and stops at the first it does
-- not take, so each step costs the sources it looks at, not the number watched.
CREATE INDEX IF NOT EXISTS source_next_due ON source(next_due);
-- A new final text looks for its draft among the drafts of its family. Generic titles share a
-- family key ("Notice", "公告", a feed's "Post 12"), and the family index alone walked every
-- document of the family, draft or not, for each new document: a first pass of 5,000 sources
-- took 14 times as long as one of 1,000. Only drafts are indexed here, in the order they are
-- tried (the query names it: `document_family` orders by id as well).
CREATE INDEX IF NOT EXISTS document_family_draft ON document(family_key, id) WHERE stage = 'draft';
