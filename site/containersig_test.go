package site

import (
	"context"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// swappedImage is a registry that serves one container with another image
// digest than the one its owner signed (a registry that lies, or an edit
// behind the owner's back).
type swappedImage struct {
	medperf.Service
	id int64
}

func (r swappedImage) GetContainer(ctx context.Context, id int64) (*medperf.Container, error) {
	c, err := r.Service.GetContainer(ctx, id)
	if err == nil && id == r.id {
		c.ImageHash = "sha256:" + medperftest.Hash("another image")
	}
	return c, err
}

// signRegistered signs container id as its owner u with a new key.
func signRegistered(t *testing.T, tw *testWorld, u medperftest.User, id int64) string {
	t.Helper()
	key := medperftest.MustIdentity(t, u)
	c := medperftest.Must[*medperf.Container](t)(tw.w.Admin.GetContainer(context.Background(), id))
	medperftest.Must[*medperf.Container](t)(u.SignContainer(context.Background(), id, medperftest.SignContainer(t, key, c.Input())))
	return key.Public().Fingerprint()
}

// TestUnsignedContainersFalseRunsOnlySignedContainers checks that a site
// whose policy says unsigned_containers: false refuses, before any
// container starts and before anything is sent, a run whose containers are
// unsigned or whose signature does not match what would run, and runs them
// once their owners have signed them.
func TestUnsignedContainersFalseRunsOnlySignedContainers(t *testing.T) {
	ctx := context.Background()
	tw := MustTestWorld(t)
	d := tw.MustOperationalDataset(t)
	tw.do.Policy = mustPolicy(t, "# only what its owner signed\nunsigned_containers: false\n")
	started := func() int { return tw.rt.count("infer") + tw.rt.count("evaluate") }
	before := started()
	refused := func(t *testing.T, want string) {
		t.Helper()
		_, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{Models: []int64{tw.model}})
		if medperf.ErrorCode(err) != medperf.CodeForbidden || !strings.Contains(err.Error(), "policy.yaml:2: unsigned_containers") ||
			!strings.Contains(err.Error(), want) {
			t.Fatalf("run: %v; want forbidden by policy.yaml:2: unsigned_containers, saying %q", err, want)
		}
		if n := started() - before; n != 0 {
			t.Fatalf("%d containers started", n)
		}
		if l, _ := tw.w.Admin.ListResults(ctx, medperf.ResultFilter{DatasetID: d}); l.Total != 0 {
			t.Fatalf("%d results sent", l.Total)
		}
	}
	t.Run("unsigned containers are refused", func(t *testing.T) { refused(t, "not signed by its owner") })

	modelKey := signRegistered(t, tw, tw.w.ModelOwner, tw.model)
	t.Run("a signed model with an unsigned evaluator is refused", func(t *testing.T) { refused(t, "evaluator") })

	signRegistered(t, tw, tw.w.BenchmarkOwner, tw.eval)
	t.Run("a signature about another image than the one served is refused", func(t *testing.T) {
		honest := tw.do.Registry
		tw.do.Registry = swappedImage{Service: honest, id: tw.model}
		defer func() { tw.do.Registry = honest }()
		refused(t, "the signed image digest differs")
	})
	t.Run("signed containers run", func(t *testing.T) {
		c := medperftest.Must[*medperf.Container](t)(tw.w.Stranger.GetContainer(ctx, tw.model))
		if fp, problem, err := tw.do.ContainerSignature(ctx, c); fp != modelKey || problem != "" || err != nil {
			t.Fatalf("ContainerSignature = %q, %q, %v", fp, problem, err)
		}
		if _, err := tw.do.Run(ctx, tw.benchmark.ID, d, RunOptions{Models: []int64{tw.model}}); err != nil {
			t.Fatalf("run: %v", err)
		}
		if started() == before {
			t.Fatal("nothing ran")
		}
	})
	t.Run("a revoked key no longer counts", func(t *testing.T) {
		keys := medperftest.Must[[]medperf.Key](t)(tw.w.ModelOwner.ListKeys(ctx, 0))
		medperftest.Must[*medperf.Key](t)(tw.w.ModelOwner.RevokeKey(ctx, keys[0].ID))
		c := medperftest.Must[*medperf.Container](t)(tw.w.Stranger.GetContainer(ctx, tw.model))
		if fp, problem, err := tw.do.ContainerSignature(ctx, c); fp != "" || problem == "" || err != nil {
			t.Fatalf("ContainerSignature = %q, %q, %v; want a problem", fp, problem, err)
		}
	})
}
