package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/medperftest"
)

var ctx = context.Background()

func TestErrorsKeepTheirCodeAndField(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	_, err := w.Stranger.CreateContainer(ctx, medperf.ContainerInput{Name: "x"})
	e, ok := err.(*medperf.Error)
	if !ok || e.Code != medperf.CodeInvalid || e.Field != "config" || e.Message == "" {
		t.Fatalf("%#v", err)
	}
	if e.Error() != "config: "+e.Message {
		t.Fatalf("message %q repeats or lacks the field", e.Error())
	}
	_, err = w.Stranger.GetBenchmark(ctx, 99999)
	if medperf.ErrorCode(err) != medperf.CodeNotFound {
		t.Fatal(err)
	}
}

func TestNonAPIErrorsMapByStatus(t *testing.T) {
	for status, code := range map[int]medperf.Code{502: medperf.CodeUnavailable, 403: medperf.CodeForbidden, 418: medperf.CodeInternal} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<html>proxy page</html>", status)
		}))
		c, _ := client.New(srv.URL, "t", nil)
		_, err := c.Version(ctx)
		if medperf.ErrorCode(err) != code {
			t.Errorf("status %d: code %q, want %q", status, medperf.ErrorCode(err), code)
		}
		srv.Close()
	}
}

func TestUnreachableServerIsUnavailable(t *testing.T) {
	c, _ := client.New("http://127.0.0.1:1", "t", nil)
	if _, err := c.Me(ctx); medperf.ErrorCode(err) != medperf.CodeUnavailable {
		t.Fatal(err)
	}
}

func TestNewRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "localhost:8000", "http://"} {
		if _, err := client.New(u, "", nil); medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Errorf("New(%q): %v", u, err)
		}
	}
}

func TestListsPaginateWithTheTotal(t *testing.T) {
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	l, err := w.Stranger.ListContainers(ctx, medperf.ContainerFilter{Page: medperf.Page{Limit: 3, Offset: 2}})
	if err != nil || l.Total != 4 || len(l.Items) != 2 || l.Limit != 3 || l.Offset != 2 {
		t.Fatalf("%+v %v", l, err)
	}
	l, err = w.Stranger.ListContainers(ctx, medperf.ContainerFilter{Owner: w.ModelOwner.ID})
	if err != nil || l.Total != 1 || l.Items[0].ID != w.Model.ID {
		t.Fatalf("%+v %v", l, err)
	}
	_, err = w.Stranger.ListAssociations(ctx, medperf.AssociationFilter{})
	if medperf.ErrorCode(err) != medperf.CodeInvalid {
		t.Fatal(err)
	}
}
