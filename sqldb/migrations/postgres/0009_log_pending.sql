-- The sequencer (sequencer.go) takes the oldest pending log leaves (a
-- negative index) in the order they were written. Without an index it
-- sorted every pending leaf for each batch of 500, which took 50 ms per
-- batch on PostgreSQL once a submission storm had left thousands pending.
CREATE INDEX log_leaves_pending ON log_leaves(created_at, idx DESC) WHERE idx < 0
