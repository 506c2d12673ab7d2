package medperftest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/medperf/medperf"
)

// Login turns a user just created (with its token) into a service whose
// calls are made as that user: AsCaller over a store, or a client of a
// server holding the token.
type Login func(u *medperf.CreatedUser) medperf.Service

// World is a registry populated with one of everything, each role held by
// its own user: a benchmark owner with an APPROVED, OPERATION benchmark and
// its three OPERATION containers; a model owner with an OPERATION model; a
// data owner with an OPERATION dataset prepared by the benchmark's
// preparator; and a stranger who owns nothing. No association exists yet.
type World struct {
	Admin, BenchmarkOwner, ModelOwner, DataOwner, Stranger User
	Preparator, ReferenceModel, Evaluator, Model           *medperf.Container
	Benchmark                                              *medperf.Benchmark
	Dataset                                                *medperf.Dataset
	login                                                  Login
}

// User is one user of a World: the account, its token and a service that
// acts as the user.
type User struct {
	medperf.User
	Token string
	medperf.Service
}

var worldSeq atomic.Int64

// NewWorld builds a World through admin (a service acting as an admin),
// creating each user with admin and acting as them through login.
func NewWorld(tb testing.TB, admin User, login Login) *World {
	tb.Helper()
	w := &World{Admin: admin, login: login}
	w.BenchmarkOwner = w.NewUser(tb, "benchmark-owner")
	w.ModelOwner = w.NewUser(tb, "model-owner")
	w.DataOwner = w.NewUser(tb, "data-owner")
	w.Stranger = w.NewUser(tb, "stranger")
	bo := w.BenchmarkOwner
	w.Preparator = MustContainer(tb, bo, ContainerInput("prep", medperf.StateOperation, medperf.TaskPrepare, "sanity_check", "statistics"))
	w.ReferenceModel = MustContainer(tb, bo, ContainerInput("ref", medperf.StateOperation, medperf.TaskInfer))
	w.Evaluator = MustContainer(tb, bo, ContainerInput("eval", medperf.StateOperation, medperf.TaskEvaluate))
	w.Model = MustContainer(tb, w.ModelOwner, ContainerInput("model", medperf.StateOperation, medperf.TaskInfer))
	w.Benchmark = MustBenchmark(tb, bo, BenchmarkInput("bench", w.Preparator.ID, w.ReferenceModel.ID, w.Evaluator.ID))
	w.Benchmark = Must[*medperf.Benchmark](tb)(admin.UpdateBenchmark(context.Background(), w.Benchmark.ID, medperf.BenchmarkPatch{ApprovalStatus: Ptr(medperf.StatusApproved)}))
	w.Dataset = MustDataset(tb, w.DataOwner, DatasetInput("data", w.Preparator.ID, medperf.StateOperation))
	return w
}

// NewUser creates a user whose email starts with name and returns it.
func (w *World) NewUser(tb testing.TB, name string) User {
	tb.Helper()
	cu, err := w.Admin.CreateUser(context.Background(), medperf.NewUser{Email: fmt.Sprintf("%s-%d@example.org", name, worldSeq.Add(1)), Name: name})
	if err != nil {
		tb.Fatalf("creating user %s: %v", name, err)
	}
	return User{User: cu.User, Token: cu.Token, Service: w.login(cu)}
}

// Must returns a function that fails tb when err is not nil and returns v.
func Must[T any](tb testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		tb.Helper()
		if err != nil {
			tb.Fatalf("unexpected error (code %s): %v", medperf.ErrorCode(err), err)
		}
		return v
	}
}

// Ptr returns a pointer to v.
func Ptr[T any](v T) *T { return &v }

// Hash returns a sha256 hex digest of s, a handy valid hash.
func Hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// unique makes names unique across a test binary.
func unique(name string) string { return fmt.Sprintf("%s-%d", name, worldSeq.Add(1)) }

// ContainerInput returns a valid container with the given tasks.
func ContainerInput(name string, state medperf.State, tasks ...string) medperf.ContainerInput {
	name = unique(name)
	t := map[string]any{}
	for _, task := range tasks {
		t[task] = map[string]any{}
	}
	config, _ := json.Marshal(map[string]any{"container_type": "DockerImage", "image": "example.org/" + name + ":1", "tasks": t})
	return medperf.ContainerInput{Name: name, Config: config, ImageHash: "sha256:" + Hash(name), State: state,
		Parameters: json.RawMessage(`{"threshold": 0.5}`)}
}

// BenchmarkInput returns a valid benchmark over the given containers. It
// accepts unsigned results (require_signed_results off), so that tests about
// other things need no signing key; tests of signed results turn it on.
func BenchmarkInput(name string, prep, ref, eval int64) medperf.BenchmarkInput {
	name = unique(name)
	unsigned := false
	return medperf.BenchmarkInput{
		RequireSignedResults: &unsigned,
		Name:                 name, Description: "a benchmark", ClinicalTask: "segmentation", TargetPopulation: "adults",
		LabellingMethodology: "two radiologists", DemoDatasetURL: "https://example.org/demo.tar.gz",
		DemoDatasetHash: Hash(name + "demo"), DemoDatasetGeneratedUID: Hash(name + "uid"),
		DataPreparationContainer: prep, ReferenceModelContainer: ref, DataEvaluatorContainer: eval,
		State: medperf.StateOperation, Document: "# " + name,
	}
}

// DatasetInput returns a valid dataset prepared by prep.
func DatasetInput(name string, prep int64, state medperf.State) medperf.DatasetInput {
	name = unique(name)
	in := medperf.DatasetInput{Name: name, Description: "a dataset", Location: "a hospital",
		InputDataHash: Hash(name + "raw"), DataPreparationContainer: prep, State: state,
		GeneratedMetadata: json.RawMessage(`{"cases": 10}`), Report: json.RawMessage(`{"done": 10}`)}
	in.GeneratedUID = Hash(name + "prepared")
	return in
}

// MustContainer registers a container as s.
func MustContainer(tb testing.TB, s medperf.Service, in medperf.ContainerInput) *medperf.Container {
	tb.Helper()
	return Must[*medperf.Container](tb)(s.CreateContainer(context.Background(), in))
}

// MustBenchmark registers a benchmark as s.
func MustBenchmark(tb testing.TB, s medperf.Service, in medperf.BenchmarkInput) *medperf.Benchmark {
	tb.Helper()
	return Must[*medperf.Benchmark](tb)(s.CreateBenchmark(context.Background(), in))
}

// MustDataset registers a dataset as s.
func MustDataset(tb testing.TB, s medperf.Service, in medperf.DatasetInput) *medperf.Dataset {
	tb.Helper()
	return Must[*medperf.Dataset](tb)(s.CreateDataset(context.Background(), in))
}

// MustAssociate has the component's owner ask to join the world's
// benchmark and the benchmark's owner approve, and returns the latest row.
func (w *World) MustAssociate(tb testing.TB, kind medperf.ComponentKind, owner User, componentID int64) *medperf.Association {
	tb.Helper()
	ctx := context.Background()
	Must[*medperf.Association](tb)(owner.RequestAssociation(ctx, w.Benchmark.ID, kind, medperf.AssociationRequest{ComponentID: componentID}))
	return Must[*medperf.Association](tb)(w.BenchmarkOwner.DecideAssociation(ctx, w.Benchmark.ID, kind, componentID,
		medperf.AssociationDecision{ApprovalStatus: Ptr(medperf.StatusApproved)}))
}

// Metrics returns a valid metrics object.
func Metrics(dice float64) json.RawMessage {
	b, _ := json.Marshal(map[string]float64{"dice": dice})
	return b
}
