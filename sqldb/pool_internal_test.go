package sqldb

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/medperf/medperf"
)

func openSQLite(t *testing.T, p Pool) *DB {
	t.Helper()
	d, err := OpenPool(context.Background(), filepath.Join(t.TempDir(), "registry.db"), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func TestSQLiteHasOneWriterAndABoundedReadPool(t *testing.T) {
	d := openSQLite(t, Pool{MaxOpen: 3})
	if got := d.wdb.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("writer pool allows %d connections, want 1", got)
	}
	if got := d.db.Stats().MaxOpenConnections; got != 3 {
		t.Errorf("read pool allows %d connections, want 3", got)
	}
}

func TestPoolDefaultsAreBounded(t *testing.T) {
	for _, dl := range []dialect{dialectSQLite, dialectPostgres} {
		p := Pool{}.withDefaults(dl)
		if p.MaxOpen <= 0 || p.MaxIdle <= 0 || p.MaxIdle > p.MaxOpen || p.Wait <= 0 {
			t.Errorf("%s defaults %+v are not bounded", dl, p)
		}
		if dl == dialectPostgres && (p.MaxLifetime <= 0 || p.MaxIdleTime <= 0) {
			t.Errorf("PostgreSQL defaults %+v keep connections forever", p)
		}
	}
	if p := (Pool{MaxOpen: 4, MaxIdle: 9}).withDefaults(dialectPostgres); p.MaxIdle != 4 {
		t.Errorf("MaxIdle %d above MaxOpen 4", p.MaxIdle)
	}
}

func TestWriteWaitingPastPoolWaitIsUnavailable(t *testing.T) {
	d := openSQLite(t, Pool{Wait: 50 * time.Millisecond})
	held, err := d.writer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	start := time.Now()
	err = d.write(context.Background(), func(c conn) error { return nil })
	if medperf.ErrorCode(err) != medperf.CodeUnavailable {
		t.Fatalf("code %q (%v), want unavailable", medperf.ErrorCode(err), err)
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("waited %s for a connection, want about 50ms", waited)
	}
}

func TestWriteCanceledWhileQueuedIsCanceled(t *testing.T) {
	d := openSQLite(t, Pool{Wait: time.Minute})
	held, err := d.writer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := d.write(ctx, func(c conn) error { return nil }); medperf.ErrorCode(err) != medperf.CodeCanceled {
		t.Fatalf("code %q (%v), want canceled", medperf.ErrorCode(err), err)
	}
}

func TestBackoffGrowsWithJitterAndIsCapped(t *testing.T) {
	for attempt := range 20 {
		b := backoffMax
		if attempt < 8 {
			b = min(backoffMax, backoffBase<<attempt)
		}
		for range 50 {
			if got := backoff(attempt); got < b/2 || got > b {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", attempt, got, b/2, b)
			}
		}
	}
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[backoff(5)] = true
	}
	if len(seen) < 2 {
		t.Error("backoff(5) has no jitter")
	}
}

func TestTranslateNeverMakesARaceOrAnOverloadInternal(t *testing.T) {
	for _, c := range []struct {
		err  error
		want medperf.Code
	}{
		{&pgconn.PgError{Code: "40001"}, medperf.CodeConflict},    // serialization failure, retried out
		{&pgconn.PgError{Code: "40P01"}, medperf.CodeConflict},    // deadlock
		{&pgconn.PgError{Code: "23505"}, medperf.CodeConflict},    // unique violation
		{&pgconn.PgError{Code: "53300"}, medperf.CodeUnavailable}, // too many clients
		{&pgconn.PgError{Code: "57P01"}, medperf.CodeUnavailable}, // admin shutdown
		{&pgconn.PgError{Code: "08006"}, medperf.CodeUnavailable}, // connection failure
		{fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), medperf.CodeUnavailable},
		{&pgconn.PgError{Code: "42601"}, medperf.CodeInternal}, // a bug: syntax error
	} {
		if got := medperf.ErrorCode(translate(c.err)); got != c.want {
			t.Errorf("translate(%v) has code %q, want %q", c.err, got, c.want)
		}
	}
}

func TestWriteRetriesARaceAndThenGivesUpWithConflict(t *testing.T) {
	d := openSQLite(t, Pool{})
	tries := 0
	err := d.write(context.Background(), func(c conn) error {
		tries++
		return &pgconn.PgError{Code: "40001"}
	})
	if medperf.ErrorCode(err) != medperf.CodeConflict || tries != maxAttempts {
		t.Fatalf("code %q after %d tries, want conflict after %d", medperf.ErrorCode(err), tries, maxAttempts)
	}
	tries = 0
	err = d.write(context.Background(), func(c conn) error {
		if tries++; tries < 3 {
			return &pgconn.PgError{Code: "40001"}
		}
		return nil
	})
	if err != nil || tries != 3 {
		t.Fatalf("%v after %d tries, want success on the third", err, tries)
	}
}

func TestTokenCacheExpiresAndForgets(t *testing.T) {
	now := time.Unix(0, 0)
	c := newTokenCache(time.Second)
	c.now = func() time.Time { return now }
	u := medperf.User{ID: 7}
	c.put("h", 1, u, c.generation())
	if got, ok := c.get("h"); !ok || got.ID != 7 {
		t.Fatal("a fresh entry is not served")
	}
	now = now.Add(time.Second)
	if _, ok := c.get("h"); ok {
		t.Error("an entry older than the TTL is served")
	}
	c.put("h", 1, u, c.generation())
	c.forgetToken(1)
	if _, ok := c.get("h"); ok {
		t.Error("a revoked token is still served")
	}
	gen := c.generation()
	c.forgetToken(2)
	c.put("h", 1, u, gen)
	if _, ok := c.get("h"); ok {
		t.Error("a lookup that started before a revocation put its answer back")
	}
	c.put("h", 1, u, c.generation())
	c.forgetAll()
	if _, ok := c.get("h"); ok {
		t.Error("forgetAll kept an entry")
	}
	for i := range maxCachedTokens + 10 {
		c.put(fmt.Sprint(i), int64(i), u, c.generation())
	}
	if len(c.m) > maxCachedTokens {
		t.Errorf("cache holds %d entries, bound is %d", len(c.m), maxCachedTokens)
	}
}

func TestSubmissionsPastTheirSlotsWaitThenGetUnavailable(t *testing.T) {
	d := openSQLite(t, Pool{MaxOpen: 1, Wait: 50 * time.Millisecond})
	ctx := context.Background()
	if cap(d.slots) != submissionSlots {
		t.Fatalf("%d slots for one connection, want %d", cap(d.slots), submissionSlots)
	}
	var held []func()
	for range cap(d.slots) {
		release, err := d.admitSubmission(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, release)
	}
	u := &medperf.User{ID: 1}
	_, _, err := d.SubmitResult(medperf.WithCaller(ctx, u), medperf.ResultInput{BenchmarkID: 1, ModelID: 1, DatasetID: 1,
		Metrics: []byte(`{"dice":1}`)})
	if medperf.ErrorCode(err) != medperf.CodeUnavailable {
		t.Fatalf("a submission past its slots: %v, want unavailable", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := d.admitSubmission(canceled); medperf.ErrorCode(err) != medperf.CodeCanceled {
		t.Fatalf("a canceled wait: %v, want canceled", err)
	}
	held[0]()
	release, err := d.admitSubmission(ctx)
	if err != nil {
		t.Fatalf("a freed slot was not given again: %v", err)
	}
	release()
}
