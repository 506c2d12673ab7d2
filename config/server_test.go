package config

import (
	"errors"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
)

func TestServerWithDefaults(t *testing.T) {
	dir := t.TempDir()
	t.Run("empty fields take the defaults", func(t *testing.T) {
		s, err := Server{DataDir: dir}.WithDefaults()
		if err != nil {
			t.Fatal(err)
		}
		if s.Addr != DefaultServerAddr || s.DB != filepath.Join(dir, DefaultDBFile) || s.AdminEmail != DefaultAdminEmail || s.Logger == nil {
			t.Errorf("defaults not applied: %+v", s)
		}
		if s.MaxBodyBytes != 0 || s.Version != "" || s.AdminToken != "" {
			t.Errorf("fields without a default changed: %+v", s)
		}
	})
	t.Run("given fields are kept", func(t *testing.T) {
		logger := slog.New(slog.DiscardHandler)
		in := Server{Addr: ":0", DataDir: dir, DB: "postgres://x", AdminEmail: "a@b.org", Logger: logger, TLSCert: "c.pem", TLSKey: "k.pem"}
		s, err := in.WithDefaults()
		if err != nil || s.Addr != in.Addr || s.DB != in.DB || s.AdminEmail != in.AdminEmail || s.Logger != logger || s.TLSCert != in.TLSCert {
			t.Errorf("got %+v, %v; want the given values", s, err)
		}
	})
	for _, tt := range []struct {
		name  string
		in    Server
		field string
	}{
		{"a missing data directory is refused", Server{}, "data-dir"},
		{"a certificate without a key is refused", Server{DataDir: dir, TLSCert: "c.pem"}, "tls-key"},
		{"a key without a certificate is refused", Server{DataDir: dir, TLSKey: "k.pem"}, "tls-key"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.in.WithDefaults()
			var e *medperf.Error
			if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != tt.field {
				t.Errorf("error %v, want CodeInvalid on %s", err, tt.field)
			}
		})
	}
}
