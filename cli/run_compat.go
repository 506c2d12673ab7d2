package cli

import (
	"context"
	"os"
	"path/filepath"
	"strconv"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/site"
)

// testComponents are `test run`'s -p, -m and -e: each a registered
// container id or a local container (its config file or folder), as
// MedPerf's test run takes them.
type testComponents struct{ preparator, model, evaluator string }

// resolve fills spec's components from the flags given; params and files
// are the model's --model-parameters and --model-additional-files.
func (t testComponents) resolve(ctx context.Context, s *site.Site, spec *site.TestSpec, params, files string) error {
	for _, x := range []struct {
		flag, v       string
		dst           **site.Component
		params, files string
	}{{"-p", t.preparator, &spec.Preparator, "", ""}, {"-m", t.model, &spec.Model, params, files}, {"-e", t.evaluator, &spec.Evaluator, "", ""}} {
		if x.v == "" {
			continue
		}
		c, err := componentArg(ctx, s, x.flag, x.v, x.params, x.files)
		if err != nil {
			return err
		}
		*x.dst = c
	}
	return nil
}

// componentArg is a registered container when v is an id, else the local
// container at path v: a config file, or a folder holding
// container_config.yaml or mlcube.yaml (also under mlcube/), with its
// parameters.yaml and additional_files found next to it or under
// workspace/ unless params and files name them.
func componentArg(ctx context.Context, s *site.Site, flag, v, params, files string) (*site.Component, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return nil, medperf.FieldError(flag, "%d is not an id", n)
		}
		return s.Container(ctx, n)
	}
	fi, err := os.Stat(v)
	if err != nil {
		return nil, medperf.FieldError(flag, "%q is neither a container id nor a local container config or folder", v)
	}
	cfg := v
	if fi.IsDir() {
		if cfg = firstExisting(v, "container_config.yaml", "mlcube.yaml", "mlcube/mlcube.yaml"); cfg == "" {
			return nil, medperf.FieldError(flag, "folder %q has no container_config.yaml or mlcube.yaml", v)
		}
	}
	dir := filepath.Dir(cfg)
	if params == "" {
		params = firstExisting(dir, "parameters.yaml", "workspace/parameters.yaml")
	}
	if files == "" {
		files = firstExisting(dir, "additional_files", "workspace/additional_files")
	}
	return site.LocalComponent(cfg, params, files)
}

// firstExisting returns the first of names (under dir) that exists, or "".
func firstExisting(dir string, names ...string) string {
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// failedOutcomes returns the outcomes of oc whose model failed.
func failedOutcomes(oc []site.ModelOutcome) []site.ModelOutcome {
	var out []site.ModelOutcome
	for _, x := range oc {
		if x.Status == "failed" {
			out = append(out, x)
		}
	}
	return out
}

func outcomesTable(oc []site.ModelOutcome) table {
	t := table{header: []string{"MODEL", "STATUS", "LOCAL RESULT", "ERROR"}}
	for _, x := range oc {
		t.rows = append(t.rows, []string{id(x.Model), x.Status, x.Results, x.Error})
	}
	return t
}
