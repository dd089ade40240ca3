-- Scale: the daemon's scheduler walks sources soonest due first and stops at the first it does
-- not take, so each step costs the sources it looks at, not the number watched.
CREATE INDEX source_next_due ON source(next_due);
