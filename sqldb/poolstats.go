package sqldb

import "database/sql"

// PoolStats returns the statistics of the store's connection pools: the
// readers' and the writers' (the same pool on PostgreSQL), for metrics.
func (d *DB) PoolStats() map[string]sql.DBStats {
	if d.wdb == d.db {
		return map[string]sql.DBStats{"all": d.db.Stats()}
	}
	return map[string]sql.DBStats{"read": d.db.Stats(), "write": d.wdb.Stats()}
}

// SubmissionWrites returns how many write statements or transactions
// wrote result submissions in batches since the store opened, and how many
// submissions they carried: PostgreSQL's statement batches
// (submitInOneStatement), SQLite's group commits. Their ratio is the
// average batch.
func (d *DB) SubmissionWrites() (writes, submissions int64) {
	switch {
	case d.batches != nil:
		return d.batches.batches.Load(), d.batches.rows.Load()
	case d.group != nil:
		return d.group.batches.Load(), d.group.writes.Load()
	}
	return 0, 0
}

// TablesAnalyzed returns how many tables the store's analyzer analyzed
// since it opened (planstats.go: PostgreSQL's tables that doubled since
// their last analyze); 0 on SQLite.
func (d *DB) TablesAnalyzed() int64 {
	if d.stats == nil {
		return 0
	}
	return d.stats.analyzed.Load()
}
