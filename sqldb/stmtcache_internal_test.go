package sqldb

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func cached(s *stmtCache, q string) bool { return s.get(q) != nil }

func TestSQLiteReadsRunAsCachedPreparedStatements(t *testing.T) {
	d := openSQLite(t, Pool{})
	ctx := context.Background()
	q := `SELECT COUNT(*) FROM users WHERE id > ?`
	for range 3 {
		if _, err := d.read().count(ctx, q, 0); err != nil {
			t.Fatal(err)
		}
	}
	if !cached(d.rstmts, q) {
		t.Fatal("a read was not kept as a prepared statement")
	}
	t.Run("a bad query is an error, not a cached statement", func(t *testing.T) {
		if _, err := d.read().count(ctx, `SELECT COUNT(*) FROM no_such_table`); err == nil {
			t.Fatal("no error")
		}
		if cached(d.rstmts, `SELECT COUNT(*) FROM no_such_table`) {
			t.Fatal("cached")
		}
	})
	t.Run("the cache is bounded", func(t *testing.T) {
		for i := range maxCachedStmts + 10 {
			if _, err := d.read().count(ctx, fmt.Sprintf(`SELECT COUNT(*) FROM users WHERE id > %d`, i)); err != nil {
				t.Fatal(err)
			}
		}
		d.rstmts.mu.RLock()
		n := len(d.rstmts.m)
		d.rstmts.mu.RUnlock()
		if n > maxCachedStmts {
			t.Fatalf("%d statements cached, bound %d", n, maxCachedStmts)
		}
	})
}

func TestSQLiteWritesReuseStatementsPreparedOnTheWriter(t *testing.T) {
	d := openSQLite(t, Pool{})
	ctx := context.Background()
	q := `UPDATE users SET name = name WHERE id = ?`
	write := func() {
		t.Helper()
		if err := d.write(ctx, func(c conn) error { return c.exec(ctx, q, 1) }); err != nil {
			t.Fatal(err)
		}
	}
	write() // runs unprepared: the transaction holds the writer
	deadline := time.Now().Add(10 * time.Second)
	for !cached(d.wstmts, q) {
		if time.Now().After(deadline) {
			t.Fatal("the statement was never prepared on the writer")
		}
		time.Sleep(10 * time.Millisecond)
	}
	write() // the transaction binds the writer's prepared statement
	if d.db == d.wdb || cached(d.rstmts, q) {
		t.Fatal("a write statement went to the read pool")
	}
}

func TestPostgresCachesNoStatements(t *testing.T) {
	if (&DB{dialect: dialectPostgres}).read().stmt(context.Background(), "SELECT 1") != nil {
		t.Fatal("PostgreSQL statements are pgx's to cache")
	}
}
