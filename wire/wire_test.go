package wire_test

import (
	"net/http"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/wire"
)

func TestStatusAndCodeOfAreInverse(t *testing.T) {
	seen := map[int]medperf.Code{}
	for _, c := range medperf.Codes {
		s := wire.Status(c)
		if other, dup := seen[s]; dup {
			t.Errorf("codes %s and %s share status %d", other, c, s)
		}
		seen[s] = c
		if got := wire.CodeOf(s); got != c {
			t.Errorf("CodeOf(Status(%s)) = %s", c, got)
		}
	}
}

func TestCodeOfStatusesOutsideTheTable(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		want   medperf.Code
	}{
		{"a proxy's bad gateway means the server is unavailable", http.StatusBadGateway, medperf.CodeUnavailable},
		{"a proxy's gateway timeout means the server is unavailable", http.StatusGatewayTimeout, medperf.CodeUnavailable},
		{"an unknown status is internal", http.StatusTeapot, medperf.CodeInternal},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := wire.CodeOf(tt.status); got != tt.want {
				t.Errorf("CodeOf(%d) = %s, want %s", tt.status, got, tt.want)
			}
		})
	}
}

func TestStatusOfAnUnknownCodeIs500(t *testing.T) {
	if got := wire.Status("nonsense"); got != http.StatusInternalServerError {
		t.Errorf("Status(nonsense) = %d", got)
	}
}

func TestKnown(t *testing.T) {
	if !wire.Known(medperf.CodeConflict) || wire.Known("nonsense") {
		t.Error("Known disagrees with medperf.Codes")
	}
}
