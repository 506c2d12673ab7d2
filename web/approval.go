package web

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/medperf/medperf"
)

// historyRow is one row of an association's history, with who made it.
type historyRow struct {
	medperf.Association
	By medperf.UserCard
}

// comparison is one metric of a compatibility test next to the reference
// model's value.
type comparison struct {
	Metric               string
	Candidate, Reference *float64
}

// approvalData is what the page of one association shows to decide on it.
type approvalData struct {
	B                       medperf.Benchmark
	Kind                    medperf.ComponentKind
	ComponentID             int64
	Name, Link              string
	ComponentOwner, Asker   card
	Latest                  medperf.Association
	History                 []historyRow
	CanDecide, CanSeeTest   bool
	Comparisons             []comparison
	ReferenceLabel, TestRan string
	TestPreview             jsonPreview
	Stats                   []statSection
	StatsPreview            jsonPreview
}

// approval shows one association with what its decision needs: who asked
// (name and email), the compatibility-test metrics next to the reference
// model's, the dataset's statistics and the association's history. The
// test's metrics are association metadata, which has the visibility of
// results (issue 12 finding 6): only those who may see the results of
// this pair (medperf.CanSeeResult) get them.
func (h *Handler) approval(r *http.Request, s *medperf.Session) (*result, error) {
	b, err := h.loadBenchmark(r)
	if err != nil {
		return nil, err
	}
	kind, component, err := associationKey(r)
	if err != nil {
		return nil, err
	}
	hist, err := h.cfg.Service.AssociationHistory(r.Context(), b.ID, kind, component)
	if err != nil {
		return nil, err
	}
	n := h.names(r.Context())
	d := approvalData{B: *b, Kind: kind, ComponentID: component, Latest: hist[len(hist)-1], CanDecide: medperf.CanEdit(&s.User, b.Owner)}
	for i := len(hist) - 1; i >= 0; i-- {
		d.History = append(d.History, historyRow{Association: hist[i], By: n.User(hist[i].InitiatedBy)})
	}
	d.Asker = n.Card(firstRequest(hist).InitiatedBy)
	viewers := medperf.ResultViewers{BenchmarkOwner: b.Owner}
	if kind == medperf.KindDataset {
		ds, err := h.cfg.Service.GetDataset(r.Context(), component)
		if err != nil {
			return nil, err
		}
		d.Name, d.Link, d.ComponentOwner = ds.Name, fmt.Sprintf("/datasets/%d", ds.ID), n.Card(ds.Owner)
		viewers.DatasetOwner = ds.Owner
		if ref, err := h.cfg.Service.GetContainer(r.Context(), b.ReferenceModelContainer); err == nil {
			viewers.ModelOwner = ref.Owner
		}
		d.Stats = statistics(ds.GeneratedMetadata)
		d.StatsPreview = preview(ds.GeneratedMetadata, fmt.Sprintf("/datasets/%d/json/statistics", ds.ID))
	} else {
		c, err := h.cfg.Service.GetContainer(r.Context(), component)
		if err != nil {
			return nil, err
		}
		d.Name, d.Link, d.ComponentOwner = c.Name, fmt.Sprintf("/containers/%d", c.ID), n.Card(c.Owner)
		viewers.ModelOwner = c.Owner
	}
	d.CanSeeTest = medperf.CanSeeResult(&s.User, viewers)
	if d.CanSeeTest {
		if err := h.compare(r, b, &d); err != nil {
			return nil, err
		}
	}
	return &result{template: "approval", title: d.Name + " in " + b.Name, data: d}, nil
}

func associationKey(r *http.Request) (medperf.ComponentKind, int64, error) {
	kind := medperf.ComponentKind(r.PathValue("kind"))
	if kind != medperf.KindDataset && kind != medperf.KindModel {
		return "", 0, medperf.FieldError("kind", "must be dataset or model, not %q", r.PathValue("kind"))
	}
	component, err := pathID(r, "component")
	return kind, component, err
}

// firstRequest returns the row of the latest request: the newest PENDING
// row, or the oldest row when none is pending.
func firstRequest(hist []medperf.Association) medperf.Association {
	for i := len(hist) - 1; i >= 0; i-- {
		if hist[i].ApprovalStatus == medperf.StatusPending {
			return hist[i]
		}
	}
	return hist[0]
}

// compatibility is the part of an association's metadata the site writes
// (site.compatibilityMetadata).
type compatibility struct {
	Test struct {
		Data    string          `json:"data"`
		Metrics json.RawMessage `json:"results"`
	} `json:"compatibility_test"`
}

// compare reads the test's metrics from the latest row and puts the
// reference model's beside them: for a model, the reference model's own
// compatibility test (on the same demo data) when its association has one;
// otherwise, and for a dataset, the mean of the reference model's results
// at the benchmark's sites.
func (h *Handler) compare(r *http.Request, b *medperf.Benchmark, d *approvalData) error {
	raw := d.Latest.Metadata
	d.TestPreview = preview(raw, "")
	var c compatibility
	if _, cut := previewJSON(raw); cut || len(raw) == 0 || json.Unmarshal(raw, &c) != nil || len(c.Test.Metrics) == 0 {
		return nil
	}
	d.TestRan = c.Test.Data
	candidate := numberMap(c.Test.Metrics)
	ref, label, err := h.referenceMetrics(r, b, d.Kind)
	if err != nil {
		return err
	}
	d.ReferenceLabel = label
	for _, m := range sortedKeys(candidate) {
		cv := candidate[m]
		row := comparison{Metric: m, Candidate: &cv}
		if v, ok := ref[m]; ok {
			row.Reference = &v
		}
		d.Comparisons = append(d.Comparisons, row)
	}
	return nil
}

func (h *Handler) referenceMetrics(r *http.Request, b *medperf.Benchmark, kind medperf.ComponentKind) (map[string]float64, string, error) {
	if kind == medperf.KindModel {
		rows, err := h.cfg.Service.ListAssociations(r.Context(), medperf.AssociationFilter{BenchmarkID: b.ID, Kind: medperf.KindModel, ComponentID: b.ReferenceModelContainer})
		if err != nil {
			return nil, "", err
		}
		for _, a := range rows.Items {
			var c compatibility
			if _, cut := previewJSON(a.Metadata); !cut && json.Unmarshal(a.Metadata, &c) == nil && len(c.Test.Metrics) > 0 {
				return numberMap(c.Test.Metrics), "Reference model, same test", nil
			}
		}
	}
	list, err := h.cfg.Service.ListResults(r.Context(), medperf.ResultFilter{BenchmarkID: b.ID, ModelID: b.ReferenceModelContainer, Page: medperf.Page{Limit: medperf.MaxPageSize}})
	if err != nil {
		return nil, "", err
	}
	mean, count := map[string]float64{}, map[string]int{}
	for _, x := range list.Items {
		if _, cut := previewJSON(x.Metrics); cut {
			continue
		}
		for k, v := range numberMap(x.Metrics) {
			// A running mean that halves nothing but cannot overflow:
			// each step adds (v - mean)/n as v/n - mean/n.
			count[k]++
			n := float64(count[k])
			mean[k] += v/n - mean[k]/n
		}
	}
	return mean, fmt.Sprintf("Reference model, mean of %d results you may see", len(list.Items)), nil
}

// numberMap reads the finite numbers of a JSON object.
func numberMap(raw json.RawMessage) map[string]float64 {
	var m map[string]json.RawMessage
	json.Unmarshal(raw, &m)
	out := map[string]float64{}
	for k, v := range m {
		if f, ok := number(v); ok {
			out[k] = f
		}
	}
	return out
}
