package cli

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
	"github.com/medperf/medperf/trust"
)

func TestResultVerify(t *testing.T) {
	ctx := context.Background()
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	b := w.MustSignedBenchmark(t)
	medperftest.MustApprove(t, w.BenchmarkOwner, w.DataOwner, b.ID, medperf.KindDataset, w.Dataset.ID)
	id := medperftest.MustIdentity(t, w.DataOwner)
	r, _, err := w.DataOwner.SubmitResult(ctx, medperftest.Sign(t, id, medperf.ResultInput{BenchmarkID: b.ID,
		ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.7)}))
	if err != nil {
		t.Fatal(err)
	}
	w.MustAssociate(t, medperf.KindDataset, w.DataOwner, w.Dataset.ID)
	unsigned, _, err := w.DataOwner.SubmitResult(ctx, medperf.ResultInput{BenchmarkID: w.Benchmark.ID,
		ModelID: w.ReferenceModel.ID, DatasetID: w.Dataset.ID, Metrics: medperftest.Metrics(0.7)})
	if err != nil {
		t.Fatal(err)
	}
	loggedInAs(t, ts, w.BenchmarkOwner.Token)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pub := write("site.pub", id.Public().AuthorizedKey()+"\n")
	other, _ := trust.NewIdentity()
	otherPub := write("other.pem", other.Public().PEM())
	envFile := write("result.dsse.json", string(r.Envelope))
	tampered := write("tampered.json", strings.Replace(string(r.Envelope), `"payload":"ey`, `"payload":"ez`, 1))
	invalid := ExitCode(medperf.Errorf(medperf.CodeInvalid, ""))
	t.Run("the leaderboard marks the signed value", func(t *testing.T) {
		code, out, errOut := runCLI(t, "benchmark", "leaderboard", "-b", strconv.FormatInt(b.ID, 10))
		if code != 0 || !strings.Contains(out, "SIGNED") || !strings.Contains(out, "1/1") {
			t.Fatalf("exit %d: %s %s", code, out, errOut)
		}
		code, out, _ = runCLI(t, "benchmark", "leaderboard", "-b", strconv.FormatInt(w.Benchmark.ID, 10))
		if code != 0 || !strings.Contains(out, "0/1") {
			t.Fatalf("the unsigned value: exit %d: %s", code, out)
		}
	})
	for _, c := range []struct {
		name string
		args []string
		want int
	}{
		{"a registered result against the submitter's keys", []string{strconv.FormatInt(r.ID, 10)}, 0},
		{"a file against the site's key, offline", []string{envFile, "--key", pub}, 0},
		{"a file against another key", []string{envFile, "--key", otherPub}, invalid},
		{"a tampered file", []string{tampered, "--key", pub}, invalid},
		{"a file without --key", []string{envFile}, invalid},
		{"an unsigned result", []string{strconv.FormatInt(unsigned.ID, 10)}, invalid},
		{"neither an id nor a file", []string{"no-such-file"}, invalid},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"result", "verify"}, c.args...)...)
			if code != c.want {
				t.Fatalf("exit %d, want %d: %s %s", code, c.want, out, errOut)
			}
			if c.want == 0 && !strings.Contains(out, id.Public().Fingerprint()) {
				t.Fatalf("the signer is not named: %s", out)
			}
		})
	}
}
