package play_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/play"
)

func TestParametersAreTheShippedExamples(t *testing.T) {
	for _, c := range cubes.Cubes {
		t.Run(c+" matches examples/demo", func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "..", "examples", "demo", c, "parameters.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			var shipped, built any
			if err := yaml.Unmarshal(b, &shipped); err != nil {
				t.Fatal(err)
			}
			// Through JSON, so that both sides hold the same number types.
			j, _ := json.Marshal(shipped)
			json.Unmarshal(j, &shipped)
			if err := json.Unmarshal(play.Parameters(c), &built); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(shipped, built); d != "" {
				t.Errorf("parameters differ (-shipped +built):\n%s", d)
			}
		})
	}
}

func TestMetricsDeclarationIsValid(t *testing.T) {
	m := play.Metrics()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	p, ok := m.Primary()
	if !ok || p.Name != play.PrimaryMetric {
		t.Errorf("primary %+v", p)
	}
	if s, _ := m.Spec("hd95_mean"); s.Direction != "lower" || s.Max != nil || s.Min == nil || *s.Min != 0 {
		t.Errorf("hd95_mean %+v", s)
	}
	if s, _ := m.Spec("dice_median"); s.Direction != "higher" || s.Max == nil || *s.Max != 1 {
		t.Errorf("dice_median %+v", s)
	}
}
