// Package replicas tests the registry scaled out: several `medperf server`
// processes on one PostgreSQL database behind HAProxy, as
// docs/deployment.md describes. It needs PostgreSQL and HAProxy (see
// medperftest.Require).
package replicas

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/auth"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/medperftest"
)

// replica is one `medperf server` process.
type replica struct {
	addr string
	cmd  *exec.Cmd
}

func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "medperf")
	out, err := exec.Command("go", "build", "-o", bin, "../../cmd/medperf").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startReplicas starts n servers at once on dsn, all with the same first
// admin token, and waits until each is ready.
func startReplicas(t *testing.T, bin, dsn, token string, n int) []*replica {
	t.Helper()
	out := make([]*replica, n)
	for i := range out {
		r := &replica{addr: freeAddr(t)}
		home := t.TempDir()
		r.cmd = exec.Command(bin, "server", "--addr", r.addr, "--db", dsn, "--data-dir", filepath.Join(home, "server"))
		r.cmd.Env = append(os.Environ(), "MEDPERF_HOME="+home, "MEDPERF_ADMIN_TOKEN="+token)
		logs, _ := os.Create(filepath.Join(home, "server.log"))
		r.cmd.Stdout, r.cmd.Stderr = logs, logs
		if err := r.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			r.cmd.Process.Signal(syscall.SIGTERM)
			r.cmd.Wait()
		})
		out[i] = r
	}
	deadline := time.Now().Add(60 * time.Second)
	for _, r := range out {
		for {
			resp, err := http.Get("http://" + r.addr + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %s not ready after 60 s", r.addr)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return out
}

func mustClient(t *testing.T, url, token string) *client.Client {
	t.Helper()
	c, err := client.New(url, token, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetRetry(client.RetryPolicy{Attempts: 12, Base: 100 * time.Millisecond, Max: 2 * time.Second})
	return c
}

// TestReplicasBehindHAProxy starts three replicas together on an empty
// database (migrations must run exactly once), puts HAProxy in front, and
// storms result submissions through it while one replica is killed with
// SIGKILL: every client finishes, and the benchmark holds each submission
// exactly once. Then a token revoked through one replica is refused by the
// others within a second.
func TestReplicasBehindHAProxy(t *testing.T) {
	dsn := medperftest.Require(t, medperftest.Postgres)
	medperftest.Require(t, medperftest.HAProxy)
	bin := buildBinary(t)
	token := auth.NewToken()
	replicas := startReplicas(t, bin, dsn, token, 3)
	t.Run("migrations ran once for three replicas starting together", func(t *testing.T) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var rows, versions int
		if err := db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&rows, &versions); err != nil {
			t.Fatal(err)
		}
		if rows != versions {
			t.Errorf("%d migration rows for %d versions", rows, versions)
		}
	})
	addrs := make([]string, len(replicas))
	for i, r := range replicas {
		addrs[i] = r.addr
	}
	lb := medperftest.StartHAProxy(t, "/readyz", addrs...)

	ctx := context.Background()
	adminClient := mustClient(t, lb, token)
	me, err := adminClient.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin := medperftest.User{User: *me, Token: token, Service: adminClient}
	w := medperftest.NewWorld(t, admin, func(cu *medperf.CreatedUser) medperf.Service { return mustClient(t, lb, cu.Token) })
	const sites, models = 12, 10
	var datasets, modelIDs []int64
	for range sites {
		d := medperftest.MustDataset(t, w.DataOwner, medperftest.DatasetInput("site", w.Preparator.ID, medperf.StateOperation))
		w.MustAssociate(t, medperf.KindDataset, w.DataOwner, d.ID)
		datasets = append(datasets, d.ID)
	}
	for range models {
		m := medperftest.MustContainer(t, w.ModelOwner, medperftest.ContainerInput("m", medperf.StateOperation, medperf.TaskInfer))
		w.MustAssociate(t, medperf.KindModel, w.ModelOwner, m.ID)
		modelIDs = append(modelIDs, m.ID)
	}

	t.Run("kill -9 of one replica in a storm loses and duplicates nothing", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		var failures []error
		done := 0
		for s, ds := range datasets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				site := mustClient(t, lb, w.DataOwner.Token)
				for _, m := range modelIDs {
					_, _, err := site.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID, ModelID: m, DatasetID: ds,
						Metrics: medperftest.Metrics(0.5), IdempotencyKey: fmt.Sprintf("site%d-model%d", s, m)})
					mu.Lock()
					if err != nil {
						failures = append(failures, err)
					}
					done++
					mu.Unlock()
				}
			}()
		}
		for {
			mu.Lock()
			n := done
			mu.Unlock()
			if n >= sites*models/3 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		replicas[1].cmd.Process.Kill() // SIGKILL, mid-storm
		wg.Wait()
		for _, err := range failures {
			t.Errorf("a client did not finish: %v (code %s)", err, medperf.ErrorCode(err))
		}
		all, err := client.All(ctx, func(ctx context.Context, p medperf.Page) (*medperf.List[medperf.Result], error) {
			return w.BenchmarkOwner.ListResults(ctx, medperf.ResultFilter{BenchmarkID: w.Benchmark.ID, Page: p})
		})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[[2]int64]int{}
		for _, r := range all {
			seen[[2]int64{r.ModelID, r.DatasetID}]++
		}
		for _, ds := range datasets {
			for _, m := range modelIDs {
				if n := seen[[2]int64{m, ds}]; n != 1 {
					t.Errorf("model %d on dataset %d: %d results, want exactly 1", m, ds, n)
				}
			}
		}
		if len(all) != sites*models {
			t.Errorf("%d results, want %d", len(all), sites*models)
		}
	})

	t.Run("a token revoked through one replica is refused by the others within 1 s", func(t *testing.T) {
		one, three := "http://"+replicas[0].addr, "http://"+replicas[2].addr
		owner := mustClient(t, one, w.DataOwner.Token)
		nt, err := owner.CreateToken(ctx, "short-lived")
		if err != nil {
			t.Fatal(err)
		}
		other := mustClient(t, three, nt.Secret)
		if _, err := other.Me(ctx); err != nil {
			t.Fatalf("the new token does not work on another replica: %v", err)
		}
		if err := owner.RevokeToken(ctx, nt.ID); err != nil {
			t.Fatal(err)
		}
		revoked := time.Now()
		for {
			_, err := other.Me(ctx)
			if medperf.ErrorCode(err) == medperf.CodeUnauthorized {
				break
			}
			if time.Since(revoked) > time.Second {
				t.Fatalf("still accepted %v after the revocation (%v)", time.Since(revoked), err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("refused by another replica %v after the revocation", time.Since(revoked).Round(time.Millisecond))
	})
}
