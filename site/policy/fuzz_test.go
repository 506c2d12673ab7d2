package policy

import (
	"errors"
	"testing"

	"github.com/medperf/medperf"
)

// FuzzParse: any input either parses into a policy whose decisions do not
// panic, or fails with CodeInvalid (CodeTooLarge) and a ParseError.
func FuzzParse(f *testing.F) {
	f.Add([]byte(fullPolicy))
	f.Add([]byte(""))
	f.Add([]byte("max_memory: 1e400g\nmax_cpus: 1e309\n"))
	f.Add([]byte("images: [&a docker.io/x, *a]\nbenchmarks: [0x10]\n"))
	f.Add([]byte("servers: [\"http://[::1\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, "p.yaml")
		if err != nil {
			var pe *ParseError
			code := medperf.ErrorCode(err)
			if code != medperf.CodeInvalid && code != medperf.CodeTooLarge {
				t.Fatalf("code %q for %v", code, err)
			}
			if code == medperf.CodeInvalid && !errors.As(err, &pe) {
				t.Fatalf("no ParseError in %v", err)
			}
			return
		}
		a := goodAction()
		a.PrivateURLs = []string{"http://10.0.0.1"}
		_ = p.Decide(a).Err()
		_ = p.Explain(Action{})
	})
}
