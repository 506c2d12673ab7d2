package medperftest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the environment variable holding the DSN of a PostgreSQL
// server on which tests may create and drop databases.
const PostgresEnv = "MEDPERF_TEST_POSTGRES_DSN"

// postgresDB creates a fresh database on the server of MEDPERF_TEST_POSTGRES_DSN,
// drops it when the test ends, and returns its DSN.
func postgresDB(tb testing.TB) (string, string) {
	base := os.Getenv(PostgresEnv)
	if base == "" {
		return "", PostgresEnv + " is not set"
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", PostgresEnv + " is not a postgres:// URL"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", "cannot connect to the server of " + PostgresEnv + ": " + err.Error()
	}
	defer admin.Close(context.Background())
	b := make([]byte, 8)
	rand.Read(b)
	name := "medperf_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", "cannot create a test database: " + err.Error()
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Logf("dropping test database %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			tb.Logf("dropping test database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String(), ""
}
