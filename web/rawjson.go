package web

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/medperf/medperf"
)

// storedJSON returns the stored JSON fields of one entity by the name
// their download route uses, read through the service as the caller.
type storedJSON func(r *http.Request, id int64) (map[string]json.RawMessage, error)

func (h *Handler) containerJSON(r *http.Request, id int64) (map[string]json.RawMessage, error) {
	c, err := h.cfg.Service.GetContainer(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return map[string]json.RawMessage{"config": c.Config, "parameters": c.Parameters, "metadata": c.Metadata, "user_metadata": c.UserMetadata}, nil
}

func (h *Handler) datasetJSON(r *http.Request, id int64) (map[string]json.RawMessage, error) {
	d, err := h.cfg.Service.GetDataset(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return map[string]json.RawMessage{"statistics": d.GeneratedMetadata, "report": d.Report, "metadata": d.Metadata, "user_metadata": d.UserMetadata}, nil
}

func (h *Handler) resultJSON(r *http.Request, id int64) (map[string]json.RawMessage, error) {
	x, err := h.cfg.Service.GetResult(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return map[string]json.RawMessage{"metrics": x.Metrics, "metadata": x.Metadata, "user_metadata": x.UserMetadata}, nil
}

// rawJSON serves one stored JSON field as it is stored, for the "download
// the full JSON" link under a bounded preview: the bytes go out without
// being parsed or indented, so their size is the stored size.
func (h *Handler) rawJSON(kind string, load storedJSON) pageFunc {
	return func(r *http.Request, _ *medperf.Session) (*result, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return nil, err
		}
		fields, err := load(r, id)
		if err != nil {
			return nil, err
		}
		name := r.PathValue("field")
		raw, ok := fields[name]
		if !ok {
			return nil, medperf.Errorf(medperf.CodeNotFound, "a %s has no JSON field %q", kind, name)
		}
		if len(raw) == 0 {
			return nil, medperf.Errorf(medperf.CodeNotFound, "this %s has no %s", kind, name)
		}
		return &result{download: &download{contentType: "application/json",
			filename: fmt.Sprintf("%s-%d-%s.json", kind, id, name), body: raw}}, nil
	}
}

// preview is the template func that bounds a stored JSON value for a
// page: {{template "json" (preview .Config "/containers/1/json/config")}}.
func preview(raw json.RawMessage, href string) jsonPreview {
	text, cut := previewJSON(raw)
	return jsonPreview{Text: text, Cut: cut, Href: href, Size: len(raw)}
}
