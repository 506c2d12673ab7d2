package server_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/server"
)

func TestOpenAppliesTheConfigDefaults(t *testing.T) {
	t.Run("without a data directory Open refuses to start", func(t *testing.T) {
		_, err := server.Open(context.Background(), server.Config{Addr: "127.0.0.1:0", Logger: discard()})
		var e *medperf.Error
		if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != "data-dir" {
			t.Fatalf("error %v, want CodeInvalid on data-dir", err)
		}
	})
	t.Run("without a database the SQLite file goes in the data directory", func(t *testing.T) {
		dir := t.TempDir()
		s, err := server.Open(context.Background(), server.Config{Addr: "127.0.0.1:0", DataDir: dir, Logger: discard()})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := os.Stat(filepath.Join(dir, config.DefaultDBFile)); err != nil {
			t.Errorf("no %s in the data directory: %v", config.DefaultDBFile, err)
		}
	})
}
