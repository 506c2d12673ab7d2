package cube

import (
	"testing"

	"github.com/medperf/medperf"
)

func TestRunnableDecidesWhichTypesCanRun(t *testing.T) {
	for _, ct := range ContainerTypes {
		want := medperf.Code("")
		if ct.Encrypted() {
			want = medperf.CodeInvalid
		}
		t.Run(string(ct), func(t *testing.T) {
			if got := medperf.ErrorCode(ct.Runnable()); got != want {
				t.Errorf("code %q, want %q", got, want)
			}
		})
	}
}
