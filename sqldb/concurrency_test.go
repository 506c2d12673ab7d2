package sqldb_test

import (
	"testing"

	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/sqldb"
)

func TestConcurrentWrites(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqldb.DB, w *medperftest.World) {
		medperftest.CheckConcurrentWrites(t, w)
	})
}
