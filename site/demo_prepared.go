package site

import (
	"context"
	"strconv"
	"time"
)

// preparedDemo is the demo data of a tarball that holds data already
// prepared (Options.SkipDemoPreparation): it is used where it was extracted,
// read-only as always, and hashed like prepared data.
func (s *Site) preparedDemo(ctx context.Context, raw RawData, rep *TestReport) (Prepared, error) {
	out := Prepared{Dir: s.path(testsDir, "prepared-"+strconv.FormatInt(time.Now().UnixNano(), 36)), data: raw.Data, labels: raw.Labels}
	var err error
	rep.PreparedHash, err = s.hash(ctx, "the prepared demo data", out.Data(), out.Labels())
	return out, err
}

// firstNonEmpty returns the first non-empty string of xs.
func firstNonEmpty(xs ...string) string {
	for _, x := range xs {
		if x != "" {
			return x
		}
	}
	return ""
}

// demoHashes returns the sha256 of spec's demo tarball and the hash of its
// prepared data, running only the preparator (nothing with
// Options.SkipDemoPreparation).
func (s *Site) demoHashes(ctx context.Context, spec TestSpec) (tarball, prepared string, err error) {
	rep := &TestReport{}
	if _, err := s.testData(ctx, spec, rep); err != nil {
		return "", "", err
	}
	return rep.DemoHash, rep.PreparedHash, nil
}
