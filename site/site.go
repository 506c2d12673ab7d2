package site

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/site/policy"
	"github.com/medperf/medperf/trust"
)

// Site is one user's side of medperf against one server: where local state
// lives (Home), how the registry is reached (Registry), how containers run
// (Runtime), where progress goes (Out) and who approves what leaves the
// machine (Confirm). The zero Options are the defaults. A Site is safe for
// use by one operation at a time per dataset; operations on different
// datasets may run concurrently.
type Site struct {
	// Home is the storage root of this server, see StorageDir.
	Home string
	// Registry is the server, as the user of the token (a *client.Client, or
	// a store acting as a caller in-process).
	Registry medperf.Service
	// Runtime runs the container tasks.
	Runtime cube.Runtime
	// Out receives progress lines (one per task, with its elapsed time); nil
	// is quiet.
	Out io.Writer
	// Warn receives what the user must be told even when progress is
	// quiet (a container's GPU request this machine cannot honour); nil
	// is Out.
	Warn io.Writer
	// Confirm is asked before anything leaves the site, with what is asked
	// and the exact JSON payload. It returns false to refuse (nothing is
	// sent, the operation is CodeCanceled). nil refuses everything.
	Confirm func(question string, payload []byte) (bool, error)
	// HTTP downloads demo data and additional files; nil is cube's default
	// client, which refuses non-public addresses unless AllowPrivateURLs.
	// Image archives are fetched by the Runtime's own client.
	HTTP *http.Client
	// AllowPrivateURLs lets downloads (by the default clients of the site
	// and of the runtimes) reach loopback, private and link-local
	// addresses: only for a site that hosts files on its own network, since
	// a model owner chooses the URLs.
	AllowPrivateURLs bool
	// ImageID returns the local engine's id of a DockerImage reference
	// (sha256:...), for SubmitContainer; nil means no engine. It returns
	// CodeNotFound when the engine has no such image; any other error fails
	// the submission.
	ImageID func(ctx context.Context, image string) (string, error)
	Options Options
	// Signer signs every result submitted (docs/trust.md); nil submits
	// unsigned results, which benchmarks requiring signatures refuse.
	Signer *trust.Identity
	// Version is the medperf version the signed results name.
	Version string
	// Policy is the data owner's site policy (docs/site-policy.md), checked
	// before any container starts and before anything is sent; nil allows
	// everything. Server is the registry URL its servers rule checks and
	// RuntimeName the runtime its runtimes rule checks.
	Policy      *policy.Policy
	Server      string
	RuntimeName string
	// DecryptionKey is the model owner's secret given with
	// --decryption-key (the bytes of MedPerf's secret.bin): every encrypted
	// container the site runs uses it, before ModelKeys is asked. It is
	// kept in memory only and never logged.
	DecryptionKey cube.Secret
	// ModelKeys returns the model owner's secret for an encrypted container (the bytes of MedPerf's
	// secret.bin), asked before anything of the container is downloaded; nil means no key source.
	// benchmarkID is the benchmark the container runs in (access grants are per benchmark), 0 when
	// the container is fetched outside a benchmark (Container rather than ContainerIn).
	ModelKeys func(ctx context.Context, benchmarkID int64, c medperf.Container) ([]byte, error)
}

// Options tune the container runs of a Site.
type Options struct {
	// Limits bound every task; zero fields are the runtime's defaults.
	Limits cube.Limits
	// Timeouts per task name (prepare, infer, ...); a missing task gets
	// cube.DefaultTimeout.
	Timeouts map[string]time.Duration
	// ReportConsent sends the preparation progress report (report_file) to
	// the server while preparing. Without it the report stays local.
	ReportConsent bool
	// ReportInterval is how often the report is sent while preparing;
	// 0 means DefaultReportInterval.
	ReportInterval time.Duration
	// ShowTaskOutput copies the containers' output lines to Out.
	ShowTaskOutput bool
	// NoCache makes compatibility tests prepare the demo data again instead
	// of reusing an earlier preparation of the same tarball.
	NoCache bool
	// SkipDemoPreparation treats the demo tarball's data_path and
	// labels_path as data already prepared: the preparator does not run on
	// them and the test reports no statistics.
	SkipDemoPreparation bool
	// SkipCompatibilityTest makes SubmitBenchmark register the benchmark
	// without running its compatibility test: no reference results and no
	// prepared demo hash are registered.
	SkipCompatibilityTest bool
	// RunAsUID is the uid tasks run as when medperf runs as root and the
	// dataset's folder belongs to root; 0 or less is cube.DefaultRunAsUID.
	RunAsUID int
}

// progress prints one progress line to Out, if any.
func (s *Site) progress(format string, args ...any) {
	if s.Out != nil {
		fmt.Fprintf(s.Out, format+"\n", args...)
	}
}

// warn prints one line that the user must see, prefixed "warning: ".
func (s *Site) warn(format string, args ...any) {
	w := s.Warn
	if w == nil {
		w = s.Out
	}
	if w != nil {
		fmt.Fprintf(w, "warning: "+format+"\n", args...)
	}
}

// confirm shows payload and asks question; a refusal is CodeCanceled.
func (s *Site) confirm(question string, payload any) error {
	b, err := json.MarshalIndent(payload, "", "  ")
	if err != nil {
		return &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if s.Confirm == nil {
		return medperf.Errorf(medperf.CodeCanceled, "not confirmed: nothing was sent (pass -y to confirm without a prompt)")
	}
	ok, err := s.Confirm(question, b)
	if err != nil {
		return err
	}
	if !ok {
		return medperf.Errorf(medperf.CodeCanceled, "not confirmed: nothing was sent")
	}
	return nil
}

// AlwaysConfirm is a Confirm func for -y: it writes the payload to w (when
// not nil) and accepts.
func AlwaysConfirm(w io.Writer) func(string, []byte) (bool, error) {
	return func(q string, payload []byte) (bool, error) {
		if w != nil {
			fmt.Fprintf(w, "%s\n%s\n", q, payload)
		}
		return true, nil
	}
}

func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return &medperf.Error{Code: medperf.CodeCanceled, Message: "operation canceled: run the command again to continue where it stopped", Err: err}
	}
	return nil
}

// hash returns the MedPerf hash of the folders, with a progress line.
func (s *Site) hash(ctx context.Context, what string, paths ...string) (string, error) {
	return s.hashWith(ctx, Hasher{}, what, paths...)
}

// hashPrepared returns the hash of prepared data: its data and labels,
// confined to its folder, because the preparator container made them and
// may have planted links to host files.
func (s *Site) hashPrepared(ctx context.Context, p Prepared) (string, error) {
	return s.hashWith(ctx, Hasher{Within: p.Dir}, "the prepared data", p.Data(), p.Labels())
}

func (s *Site) hashWith(ctx context.Context, h Hasher, what string, paths ...string) (string, error) {
	start := time.Now()
	d, err := h.Hash(ctx, paths...)
	if err != nil {
		return "", err
	}
	s.progress("hashed %s: %d files, %s in %s", what, d.Files, cube.FormatSize(d.Bytes), time.Since(start).Round(time.Millisecond))
	return d.Hash, nil
}
