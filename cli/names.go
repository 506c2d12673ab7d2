package cli

import (
	"context"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
)

// maxNameLookups bounds the requests one command makes to put names next
// to ids, so that a long list stays quick: past it, ids are shown alone.
const maxNameLookups = 200

// names puts names next to the ids of tables and views: "alice@h1 (4)",
// "model-cc (2)". It asks the server once per id and remembers the answer;
// an id that fails is shown alone. A nil *names shows every id alone. Only the table
// format uses it: json and yaml keep the ids, for scripts.
type names struct {
	ctx     context.Context
	cl      *client.Client
	known   map[string]string // kind/id -> label
	bench   map[int64]*medperf.Benchmark
	lookups int
}

func newNames(ctx context.Context, cl *client.Client) *names {
	return &names{ctx: ctx, cl: cl, known: map[string]string{}, bench: map[int64]*medperf.Benchmark{}}
}

// label is "name (id)" when name is known, else the id.
func label(name string, n int64) string {
	if name == "" {
		return id(n)
	}
	return name + " (" + id(n) + ")"
}

func (n *names) lookup(kind string, x int64, get func() (string, error)) string {
	if n == nil || x <= 0 {
		return id(x)
	}
	key := kind + "/" + id(x)
	if v, ok := n.known[key]; ok {
		return v
	}
	if n.lookups >= maxNameLookups {
		return id(x)
	}
	n.lookups++
	name, err := get()
	if err != nil {
		name = ""
	}
	n.known[key] = label(name, x)
	return n.known[key]
}

// user is the account's name and, when the caller may see it (an admin,
// the user themself, the two sides of an association request), its email.
func (n *names) user(x int64) string {
	return n.lookup("user", x, func() (string, error) {
		c, err := n.cl.UserCard(n.ctx, x)
		if err != nil {
			return "", err
		}
		if c.Email != "" {
			return c.Name + " <" + c.Email + ">", nil
		}
		return c.Name, nil
	})
}

func (n *names) container(x int64) string {
	return n.lookup("container", x, func() (string, error) {
		c, err := n.cl.GetContainer(n.ctx, x)
		if err != nil {
			return "", err
		}
		return c.Name, nil
	})
}

func (n *names) dataset(x int64) string {
	return n.lookup("dataset", x, func() (string, error) {
		d, err := n.cl.GetDataset(n.ctx, x)
		if err != nil {
			return "", err
		}
		return d.Name, nil
	})
}

func (n *names) benchmark(x int64) string {
	return n.lookup("benchmark", x, func() (string, error) {
		b := n.benchmarkEntity(x)
		if b == nil {
			return "", nil
		}
		return b.Name, nil
	})
}

// benchmarkEntity is benchmark x, fetched once; nil when it cannot be read.
func (n *names) benchmarkEntity(x int64) *medperf.Benchmark {
	if n == nil {
		return nil
	}
	if b, ok := n.bench[x]; ok {
		return b
	}
	b, err := n.cl.GetBenchmark(n.ctx, x)
	if err != nil {
		b = nil
	}
	n.bench[x] = b
	return b
}

// component is a dataset's or a model's label, by kind.
func (n *names) component(kind medperf.ComponentKind, x int64) string {
	if kind == medperf.KindDataset {
		return n.dataset(x)
	}
	return n.container(x)
}

// field labels the id-valued field key of a view (m holds every field, for
// the kind of a component); ok is false for other fields.
func (n *names) field(key string, m map[string]any) (string, bool) {
	v, isNum := m[key].(float64)
	if !isNum || n == nil {
		return "", false
	}
	x := int64(v)
	switch key {
	case "owner", "initiated_by", "user_id":
		return n.user(x), true
	case "benchmark":
		return n.benchmark(x), true
	case "dataset":
		return n.dataset(x), true
	case "model", "data_preparation_mlcube", "reference_model_mlcube", "data_evaluator_mlcube":
		return n.container(x), true
	case "component":
		kind, _ := m["kind"].(string)
		return n.component(medperf.ComponentKind(kind), x), true
	}
	return "", false
}
