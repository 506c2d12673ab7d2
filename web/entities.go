package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
)

type containersData struct {
	Owners map[int64]medperf.UserCard
	Items  []medperf.Container
	Pager  pager
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
		data: containersData{Items: list.Items, Owners: h.owners(r, list.Items), Pager: newPager("/containers", list.Total, p, len(list.Items))}}, nil
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
	d := containerData{C: c, Owner: h.names(r.Context()).Card(c.Owner)}
	d.ConfigYAML, d.ParametersYAML = yamlOf(c.Config), yamlOf(c.Parameters)
	return &result{template: "container", title: c.Name, data: d}, nil
}

type containerData struct {
	C              *medperf.Container
	Owner          card
	ConfigYAML     string
	ParametersYAML string
}

type datasetsData struct {
	Owners map[int64]medperf.UserCard
	Items  []medperf.Dataset
	Pager  pager
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
		data: datasetsData{Items: list.Items, Owners: h.owners(r, list.Items), Pager: newPager("/datasets", list.Total, p, len(list.Items))}}, nil
}

// stat is one top-level entry of a dataset's statistics.
type stat struct {
	Key, Value string
}

type datasetData struct {
	D          *medperf.Dataset
	Owner      card
	Preparator string
	Stats      []statSection
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
	n := h.names(r.Context())
	return &result{template: "dataset", title: d.Name, data: datasetData{D: d, Owner: n.Card(d.Owner),
		Preparator: n.Container(d.DataPreparationContainer), Stats: statistics(d.GeneratedMetadata)}}, nil
}

// resultRow is one result with its names and its metrics read.
type resultRow struct {
	medperf.Result
	Model, Dataset, Benchmark string
	Owner                     medperf.UserCard
	Values                    map[string]metricValue
}

// metricValue is one metric of a result: a number, or the compact JSON of
// anything else.
type metricValue struct {
	Num  *float64
	Text string
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
	row := h.resultRow(n, *x)
	return &result{template: "result", title: fmt.Sprintf("Result %d", x.ID),
		data: resultData{R: row, Owner: n.Card(x.Owner), Metrics: sortedKeys(row.Values)}}, nil
}

type resultData struct {
	R       resultRow
	Owner   card
	Metrics []string
}

func (h *Handler) resultRow(n *names, x medperf.Result) resultRow {
	row := resultRow{Result: x, Model: n.Container(x.ModelID), Dataset: n.Dataset(x.DatasetID), Benchmark: n.Benchmark(x.BenchmarkID),
		Owner: n.User(x.Owner), Values: map[string]metricValue{}}
	if _, cut := previewJSON(x.Metrics); cut {
		return row // too large for a table: the page links to the JSON
	}
	var m map[string]json.RawMessage
	json.Unmarshal(x.Metrics, &m)
	for k, v := range m {
		if f, ok := number(v); ok {
			row.Values[k] = metricValue{Num: &f}
		} else {
			row.Values[k] = metricValue{Text: compact(v)}
		}
	}
	return row
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
