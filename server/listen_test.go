package server_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/server"
)

// TestOpenOnATakenPortCreatesNothing guards friction 2 of issue 13: the
// listener is bound before the data directory, the database and the admin
// token are created, and a taken port is a conflict naming --addr.
func TestOpenOnATakenPortCreatesNothing(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := filepath.Join(t.TempDir(), "server")
	_, err = server.Open(context.Background(), server.Config{Addr: taken.Addr().String(), DataDir: dir, Logger: discard()})
	var me *medperf.Error
	if medperf.ErrorCode(err) != medperf.CodeConflict || !errorAs(err, &me) || me.Field != "addr" {
		t.Fatalf("err %v, want a conflict on addr", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the data directory was created (%v)", err)
	}
}

func errorAs(err error, target **medperf.Error) bool {
	e, ok := err.(*medperf.Error)
	*target = e
	return ok
}
