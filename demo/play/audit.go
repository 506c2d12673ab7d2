package play

import (
	"context"
	"fmt"
	"io"

	"github.com/medperf/medperf/config"
)

// TrustReport is what the demo shows of issue 14's trust layer: how many of
// the leaderboard's values are signed by their site's key, and the
// transparency log each data owner checked at the end.
type TrustReport struct {
	SignedValues int `json:"signed_values"`
	Values       int `json:"values"`
	// LogSize is the number of leaves of the log when it was checked;
	// Verified lists the data owners whose `audit verify` passed.
	LogSize  int64    `json:"log_size"`
	Verified []string `json:"audit_verified"`
}

// auditVerify has every data owner check the registry's log as
// `medperf audit verify` does, pinning the log key and keeping the
// checkpoint in their profile (so that they can go on by hand), and counts
// the leaderboard's signed values.
func (p *player) auditVerify(ctx context.Context) error {
	tr := &TrustReport{}
	if lb := p.report.Leaderboard; lb != nil && len(lb.Boards) > 0 {
		for _, row := range lb.Boards[0].Cells {
			for _, c := range row {
				if c.Value != nil {
					tr.Values++
					if c.Signed {
						tr.SignedValues++
					}
				}
			}
		}
	}
	for _, x := range people {
		u := p.users[x.slug]
		if u == nil || u.site.Signer == nil {
			continue
		}
		key, err := u.cl.LogKey(ctx)
		if err != nil {
			return stepError("reading the log key", err)
		}
		rep, note, err := u.cl.VerifyLog(ctx, u.cl.URL(), key.VerifierKey, "")
		if err != nil {
			return stepError("checking the transparency log as the "+u.role, err)
		}
		if err := keepCheckpoint(u, key.VerifierKey, string(note)); err != nil {
			return err
		}
		tr.LogSize = rep.Size
		tr.Verified = append(tr.Verified, u.slug)
		p.step(u.role, "audit verify: the log of %d leaves checks out, with the site's %d signed results in it", rep.Size, rep.OwnResults)
	}
	p.report.Trust = tr
	return nil
}

// keepCheckpoint pins the log key and keeps the checkpoint in u's profile,
// as `medperf auth login` and `medperf audit verify` do.
func keepCheckpoint(u *user, logKey, note string) error {
	profiles, err := config.LoadProfiles(u.home)
	if err != nil {
		return err
	}
	prof, _ := profiles.Get(u.cl.URL())
	prof.Server, prof.LogKey, prof.Checkpoint = u.cl.URL(), logKey, note
	profiles.Set(prof)
	return profiles.Save(u.home)
}

// print writes the trust summary under the leaderboard.
func (t *TrustReport) print(w io.Writer) {
	if t == nil {
		return
	}
	fmt.Fprintf(w, "\nSigned values: %d of %d (each by its site's registered ed25519 key; see 'medperf result verify')\n", t.SignedValues, t.Values)
	fmt.Fprintf(w, "Transparency log: %d leaves, checked by %d sites with 'medperf audit verify': history not rewritten\n", t.LogSize, len(t.Verified))
}
