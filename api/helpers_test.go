package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/medperf/medperf/wire"
)

// response is what call returns: the status and the decoded error body.
type response struct {
	status int
	body   []byte
	err    wire.ErrorDetail
}

// call sends one request with token ("" for none) and body (nil for none;
// a []byte is sent as is, anything else as JSON).
func call(t testing.TB, method, url, token string, body any) response {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := response{status: resp.StatusCode}
	out.body, _ = io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		var eb wire.ErrorBody
		if err := json.Unmarshal(out.body, &eb); err != nil {
			t.Fatalf("%s %s: error body is not the API's error JSON: %s", method, url, out.body)
		}
		out.err = eb.Error
	}
	return out
}

// callWithType posts body with the given Content-Type.
func callWithType(t testing.TB, url, token, contentType string, body []byte) response {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := response{status: resp.StatusCode}
	out.body, _ = io.ReadAll(resp.Body)
	var eb wire.ErrorBody
	json.Unmarshal(out.body, &eb)
	out.err = eb.Error
	return out
}
