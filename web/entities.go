package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

type containersData struct {
	Items []medperf.Container
	Pager pager
}

func (h *Handler) containers(r *http.Request, _ *medperf.Session) (*result, error) {
	p, err := pageOf(r)
	if err != nil {
		return nil, err
	}
	list, err := h.cfg.Service.ListContainers(r.Context(), medperf.ContainerFilter{Page: p})
	if err != nil {
		return nil, err
	}
	return &result{template: "containers", title: "Containers",
		data: containersData{Items: list.Items, Pager: newPager("/containers", list.Total, p, len(list.Items))}}, nil
}

func (h *Handler) container(r *http.Request, _ *medperf.Session) (*result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	c, err := h.cfg.Service.GetContainer(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &result{template: "container", title: c.Name, data: c}, nil
}

type datasetsData struct {
	Items []medperf.Dataset
	Pager pager
}

func (h *Handler) datasets(r *http.Request, _ *medperf.Session) (*result, error) {
	p, err := pageOf(r)
	if err != nil {
		return nil, err
	}
	list, err := h.cfg.Service.ListDatasets(r.Context(), medperf.DatasetFilter{Page: p})
	if err != nil {
		return nil, err
	}
	return &result{template: "datasets", title: "Datasets",
		data: datasetsData{Items: list.Items, Pager: newPager("/datasets", list.Total, p, len(list.Items))}}, nil
}

// stat is one top-level entry of a dataset's statistics.
type stat struct {
	Key, Value string
}

type datasetData struct {
	D          *medperf.Dataset
	Preparator string
	Stats      []stat
}

func (h *Handler) dataset(r *http.Request, _ *medperf.Session) (*result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	d, err := h.cfg.Service.GetDataset(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return &result{template: "dataset", title: d.Name, data: datasetData{D: d,
		Preparator: h.names(r.Context()).Container(d.DataPreparationContainer), Stats: stats(d.GeneratedMetadata)}}, nil
}

// stats lists the top-level keys of a statistics object, each value as
// compact JSON, sorted by key; nil when it is not an object.
func stats(raw json.RawMessage) []stat {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	out := make([]stat, 0, len(m))
	for k, v := range m {
		var b bytes.Buffer
		json.Compact(&b, v)
		out = append(out, stat{Key: k, Value: b.String()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// resultRow is one result with its names.
type resultRow struct {
	medperf.Result
	Model, Dataset string
}

type resultsData struct {
	Benchmark int64
	Items     []resultRow
	Pager     pager
}

func (h *Handler) results(r *http.Request, _ *medperf.Session) (*result, error) {
	p, err := pageOf(r)
	if err != nil {
		return nil, err
	}
	bid, err := queryID(r, "benchmark")
	if err != nil {
		return nil, err
	}
	list, err := h.cfg.Service.ListResults(r.Context(), medperf.ResultFilter{BenchmarkID: bid, Page: p})
	if err != nil {
		return nil, err
	}
	n := h.names(r.Context())
	d := resultsData{Benchmark: bid}
	for _, x := range list.Items {
		d.Items = append(d.Items, resultRow{Result: x, Model: n.Container(x.ModelID), Dataset: n.Dataset(x.DatasetID)})
	}
	base := "/results"
	if bid != 0 {
		base = fmt.Sprintf("/results?benchmark=%d", bid)
	}
	d.Pager = newPager(base, list.Total, p, len(list.Items))
	return &result{template: "results", title: "Results", data: d}, nil
}

func (h *Handler) result(r *http.Request, _ *medperf.Session) (*result, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	x, err := h.cfg.Service.GetResult(r.Context(), id)
	if err != nil {
		return nil, err
	}
	n := h.names(r.Context())
	return &result{template: "result", title: fmt.Sprintf("Result %d", x.ID),
		data: resultRow{Result: *x, Model: n.Container(x.ModelID), Dataset: n.Dataset(x.DatasetID)}}, nil
}

func (h *Handler) resultsCSV(r *http.Request, _ *medperf.Session) (*result, error) {
	bid, err := queryID(r, "benchmark")
	if err != nil {
		return nil, err
	}
	rows, err := h.cfg.Leaderboards.Results(r.Context(), medperf.ResultFilter{BenchmarkID: bid})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := leaderboard.WriteResultsCSV(&buf, rows); err != nil {
		return nil, medperf.Errorf(medperf.CodeInternal, "cannot write the CSV: %v", err)
	}
	return &result{download: &download{contentType: "text/csv; charset=utf-8", filename: "results.csv", body: buf.Bytes()}}, nil
}
