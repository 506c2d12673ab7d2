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
