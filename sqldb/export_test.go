package sqldb

import "time"

// BoardRowsRead exposes the count of result rows ScanLeaderboard read, for
// the external tests.
var BoardRowsRead = &boardRowsRead

// ViewTTL is how long a replica may answer with a benchmark's view read
// before another replica's change (viewTTL).
const ViewTTL = viewTTL

// SetViewClock replaces the clock of d's benchmark views.
func SetViewClock(d *DB, now func() time.Time) { d.views.now = now }
