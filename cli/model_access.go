package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/client"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/site"
	"github.com/medperf/medperf/trust"
)

// The owner's side of private models: MedPerf's grant_access,
// auto_grant_access, revoke_user_access, check_access and delete_keys. The
// secret is read here, wrapped here for each data owner's registered keys
// (age, trust.WrapSecret), and only the wrapped text is sent.

// newAccessCmds returns the access-grant commands, built afresh for each of
// `model` and `container` (a command has one parent).
func newAccessCmds(e *env) []*cobra.Command {
	return []*cobra.Command{newGrantAccessCmd(e), newAutoGrantAccessCmd(e), newRevokeAccessCmd(e),
		newCheckAccessCmd(e), newDeleteKeysCmd(e)}
}

// accessFlags are the flags every access command has.
type accessFlags struct {
	benchmark, model *int64
	out              *string
}

func addAccessFlags(c *cobra.Command) accessFlags {
	return accessFlags{
		benchmark: idFlag(c, "benchmark", "b", "benchmark id (required)"),
		model:     idFlag(c, "model", "m", "model (container) id (required)"),
		out:       outputFlag(c),
	}
}

func (f accessFlags) check() error {
	return requireIDs(map[string]int64{"benchmark": *f.benchmark, "model": *f.model})
}

// storedSecretPath is where `container submit --decryption-key` keeps the
// owner's copy of the secret of a model registered on server.
func storedSecretPath(server string, modelID int64) (string, error) {
	home, err := config.Home(os.Getenv)
	if err != nil {
		return "", err
	}
	return site.ContainerKeyPath(home, server, modelID), nil
}

// fileExists reports whether path names something that can be looked at.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// noStoredSecret is the answer when a model has no stored secret: pass the
// key file, or move there a copy an older medperf kept under a path that
// did not name the server.
func noStoredSecret(stored string, modelID int64) error {
	msg := fmt.Sprintf("no decryption key for model %d: pass --decryption-key FILE (the secret its image archive was encrypted with)", modelID)
	if home, err := config.Home(os.Getenv); err == nil {
		if old := site.LegacyContainerKeyPath(home, modelID); fileExists(old) {
			msg += fmt.Sprintf("; an earlier medperf kept a key for a container %d of some server at %s: if it is this model's, move it to %s", modelID, old, stored)
		}
	}
	return medperf.Errorf(medperf.CodeNotFound, "%s", msg)
}

// loadModelSecret reads the model's secret from file, or from the copy
// stored for the model on server when file is "". The bytes are used as
// they are: they are what the archive's passphrase file held.
func loadModelSecret(file, server string, modelID int64) ([]byte, error) {
	flag := "--decryption-key"
	if file == "" {
		stored, err := storedSecretPath(server, modelID)
		if err != nil {
			return nil, err
		}
		if !fileExists(stored) {
			return nil, noStoredSecret(stored, modelID)
		}
		file, flag = stored, stored
	}
	fi, err := os.Stat(file)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeNotFound, Field: flag, Message: "cannot be read: " + file, Err: err}
	}
	if fi.Size() == 0 || fi.Size() > trust.MaxSecretSize || !fi.Mode().IsRegular() {
		return nil, medperf.FieldError(flag, "must be a file of 1 to %d bytes (MedPerf's secrets are 32)", trust.MaxSecretSize)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, &medperf.Error{Code: medperf.CodeNotFound, Field: flag, Message: "cannot be read: " + file, Err: err}
	}
	return b, nil
}

// grantPlan is who a grant round wraps the secret for, and who it skips
// because they have no registered key.
type grantPlan struct {
	grant, skipped []medperf.AccessCandidate
}

// planGrants chooses the recipients among a's eligible data owners: those
// named by emails (all when none), without a grant already when onlyNew.
func planGrants(a *medperf.ModelAccess, emails []string, onlyNew bool) (grantPlan, error) {
	var p grantPlan
	if !a.CanGrant {
		return p, medperf.Errorf(medperf.CodeForbidden, "only the owner of model %d grants access to it", a.ModelID)
	}
	if !a.ModelApproved {
		return p, medperf.Errorf(medperf.CodeConflict, "model %d is not approved in benchmark %d: access is granted only once it is", a.ModelID, a.BenchmarkID)
	}
	chosen, err := chooseByEmail(a, emails)
	if err != nil {
		return p, err
	}
	for _, c := range chosen {
		switch {
		case onlyNew && c.Granted:
		case len(c.Keys) == 0:
			p.skipped = append(p.skipped, c)
		default:
			p.grant = append(p.grant, c)
		}
	}
	return p, nil
}

// chooseByEmail returns the eligible data owners named by emails (all of
// them when emails is empty); an email of no eligible data owner is
// CodeInvalid, so that a typo does not silently grant nothing.
func chooseByEmail(a *medperf.ModelAccess, emails []string) ([]medperf.AccessCandidate, error) {
	if len(emails) == 0 {
		return a.Eligible, nil
	}
	out, unknown := pickByEmail(a.Eligible, func(c medperf.AccessCandidate) string { return c.Email }, emails)
	if len(unknown) > 0 {
		return nil, medperf.FieldError("--emails", "%s: not the email of a data owner with a dataset approved in benchmark %d (see 'medperf model check-access')",
			strings.Join(unknown, ", "), a.BenchmarkID)
	}
	return out, nil
}

// grantRow is one line of a grant command's answer.
type grantRow struct {
	UserID       int64    `json:"user_id"`
	Email        string   `json:"email"`
	Status       string   `json:"status"`
	Fingerprints []string `json:"fingerprints,omitempty"`
}

const skippedNoKey = "skipped: no registered key; they must run 'medperf keys create'"

func grantTable(rows []grantRow) table {
	t := table{header: []string{"USER", "EMAIL", "STATUS", "KEYS"}}
	for _, r := range rows {
		t.rows = append(t.rows, []string{id(r.UserID), r.Email, r.Status, strings.Join(r.Fingerprints, " ")})
	}
	return t
}

func fingerprints(keys []medperf.Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.Fingerprint
	}
	return out
}

// confirmPlan shows who will receive a key, and who is skipped and why, and
// asks unless ask is nil.
func (e *env) confirmPlan(p grantPlan, ask func(string, []byte) (bool, error)) (bool, error) {
	for _, s := range p.skipped {
		fmt.Fprintf(e.stderr, "%s (user %d): %s\n", s.Email, s.UserID, skippedNoKey)
	}
	if len(p.grant) == 0 || ask == nil {
		return len(p.grant) > 0, nil
	}
	var shown []grantRow
	for _, c := range p.grant {
		shown = append(shown, grantRow{UserID: c.UserID, Email: c.Email, Status: "will receive the model's key, wrapped for these keys", Fingerprints: fingerprints(c.Keys)})
	}
	payload, err := json.Marshal(shown)
	if err != nil {
		return false, err
	}
	yes, err := ask(fmt.Sprintf("Wrap the model's key for these %d data owner(s) and send it?", len(p.grant)), payload)
	if err == nil && !yes {
		err = medperf.Errorf(medperf.CodeCanceled, "nothing was granted: not confirmed")
	}
	return yes, err
}

// grantAll wraps secret for each planned recipient's keys and stores the
// grants, stopping at the first refusal (the grants before it stay).
func grantAll(ctx context.Context, cl *client.Client, b, m int64, secret []byte, p grantPlan) ([]grantRow, error) {
	rows := []grantRow{}
	for _, s := range p.skipped {
		rows = append(rows, grantRow{UserID: s.UserID, Email: s.Email, Status: skippedNoKey})
	}
	for _, c := range p.grant {
		pubs := make([]trust.PublicKey, 0, len(c.Keys))
		for _, k := range c.Keys {
			pub, err := trust.ParsePublicKey(k.PublicKey)
			if err != nil {
				return rows, err
			}
			pubs = append(pubs, pub)
		}
		wrapped, err := trust.WrapSecret(secret, pubs...)
		if err != nil {
			return rows, err
		}
		k, err := cl.GrantModelKey(ctx, b, m, medperf.ModelKeyInput{UserID: c.UserID, WrappedKey: string(wrapped)})
		if err != nil {
			return rows, err
		}
		rows = append(rows, grantRow{UserID: c.UserID, Email: c.Email, Status: "granted", Fingerprints: k.Fingerprints})
	}
	return rows, nil
}

func newGrantAccessCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "grant-access -b BENCHMARK -m MODEL [--emails A,B] [--decryption-key FILE] [-y]",
		Short: "Wrap a private model's key for the benchmark's data owners (all, or those named) and send the wrapped keys",
		Long: "Wrap the model's secret with age for the registered keys of each data owner with a dataset approved in the\n" +
			"benchmark (or of those --emails names), after showing who will receive it, and send only the wrapped keys.\n" +
			"A data owner who already has a grant gets a fresh one (for their current keys). The secret comes from\n" +
			"--decryption-key, or from the copy 'container submit --decryption-key' stored in $MEDPERF_HOME/keys/containers/.",
		Args: cobra.NoArgs,
	}
	f := addAccessFlags(c)
	emails := c.Flags().StringSlice("emails", nil, "grant only these data owners (comma-separated emails)")
	keyFile := c.Flags().String("decryption-key", "", "file holding the model's secret (default: the stored copy)")
	yes := c.Flags().BoolP("yes", "y", false, "do not ask for confirmation")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.check(); err != nil {
			return err
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		secret, err := loadModelSecret(*keyFile, cl.URL(), *f.model)
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		a, err := cl.ModelAccess(ctx, *f.benchmark, *f.model)
		if err != nil {
			return err
		}
		p, err := planGrants(a, *emails, false)
		if err != nil {
			return err
		}
		if _, err := e.confirmPlan(p, e.confirmer(*yes)); err != nil {
			return err
		}
		rows, err := grantAll(ctx, cl, *f.benchmark, *f.model, secret, p)
		if rerr := render(e.stdout, *f.out, rows, func() table { return grantTable(rows) }); err == nil {
			err = rerr
		}
		return err
	}
	return c
}

func newAutoGrantAccessCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "auto-grant-access -b BENCHMARK -m MODEL [--interval DURATION -y] [--decryption-key FILE] [--disable]",
		Short: "Turn on auto-grant and grant every eligible data owner without a grant; with --interval, keep doing so until interrupted",
		Long: "Set the model's auto-grant flag in the benchmark (check-access shows it), then wrap the model's secret for every\n" +
			"data owner with a dataset approved in the benchmark who has no grant yet. With --interval, repeat every\n" +
			"DURATION until interrupted (Ctrl-C: exit status 130), so that data owners who join get a key; this runs\n" +
			"unattended, so it needs -y. --disable turns the flag off and grants nothing.",
		Args: cobra.NoArgs,
	}
	f := addAccessFlags(c)
	keyFile := c.Flags().String("decryption-key", "", "file holding the model's secret (default: the stored copy)")
	interval := c.Flags().Duration("interval", 0, "repeat every DURATION until interrupted (e.g. 10m); 0 grants once")
	disable := c.Flags().Bool("disable", false, "turn auto-grant off and grant nothing")
	yes := c.Flags().BoolP("yes", "y", false, "do not ask for confirmation")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.check(); err != nil {
			return err
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		if *disable {
			a, err := cl.SetModelAccess(cmd.Context(), *f.benchmark, *f.model, medperf.ModelAccessPatch{AutoGrant: ptrTo(false)})
			if err != nil {
				return err
			}
			return render(e.stdout, *f.out, a, func() table { return accessTable(a) })
		}
		if *interval < 0 || (*interval > 0 && *interval < time.Second) {
			return medperf.FieldError("--interval", "must be 0 (once) or at least 1s")
		}
		if *interval > 0 && !*yes {
			return medperf.FieldError("--interval", "grants unattended: pass -y to confirm that every data owner approved in the benchmark may receive the model's key")
		}
		secret, err := loadModelSecret(*keyFile, cl.URL(), *f.model)
		if err != nil {
			return err
		}
		ctx, stop := interruptible(cmd)
		defer stop()
		if _, err := cl.SetModelAccess(ctx, *f.benchmark, *f.model, medperf.ModelAccessPatch{AutoGrant: ptrTo(true)}); err != nil {
			return err
		}
		g := autoGranter{e: e, cl: cl, f: f, secret: secret, ask: e.confirmer(*yes)}
		return g.run(ctx, *interval)
	}
	return c
}

func ptrTo[T any](v T) *T { return &v }

// autoGranter runs the rounds of auto-grant-access.
type autoGranter struct {
	e      *env
	cl     *client.Client
	f      accessFlags
	secret []byte
	ask    func(string, []byte) (bool, error)
}

// run grants once, then every interval until ctx ends (interval 0: once).
func (g autoGranter) run(ctx context.Context, interval time.Duration) error {
	for {
		if err := g.round(ctx); err != nil {
			return err
		}
		if interval == 0 {
			return nil
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return medperf.Errorf(medperf.CodeCanceled, "interrupted")
		case <-t.C:
		}
	}
}

// round grants every eligible data owner without a grant and prints them.
func (g autoGranter) round(ctx context.Context) error {
	a, err := g.cl.ModelAccess(ctx, *g.f.benchmark, *g.f.model)
	if err != nil {
		return err
	}
	p, err := planGrants(a, nil, true)
	if err != nil {
		return err
	}
	if len(p.grant) == 0 {
		fmt.Fprintf(g.e.stderr, "%s: no data owner awaits a key\n", time.Now().UTC().Format(time.RFC3339))
		return nil
	}
	if _, err := g.e.confirmPlan(p, g.ask); err != nil {
		return err
	}
	p.skipped = nil // said above; not rows of every round
	rows, err := grantAll(ctx, g.cl, *g.f.benchmark, *g.f.model, g.secret, p)
	if rerr := render(g.e.stdout, *g.f.out, rows, func() table { return grantTable(rows) }); err == nil {
		err = rerr
	}
	return err
}

func newRevokeAccessCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "revoke-access -b BENCHMARK -m MODEL --emails A,B",
		Short: "Remove the named data owners' wrapped keys of a private model (MedPerf: revoke_user_access)",
		Args:  cobra.NoArgs,
	}
	f := addAccessFlags(c)
	emails := c.Flags().StringSlice("emails", nil, "the data owners whose grants to remove (comma-separated emails; required)")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.check(); err != nil {
			return err
		}
		if len(*emails) == 0 {
			return medperf.FieldError("--emails", "is required: name the data owners whose access to remove")
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		ctx := cmd.Context()
		a, err := cl.ModelAccess(ctx, *f.benchmark, *f.model)
		if err != nil {
			return err
		}
		users, err := grantsByEmail(a, *emails)
		if err != nil {
			return err
		}
		rows := []grantRow{}
		for _, k := range users {
			if _, err := cl.RevokeModelKey(ctx, *f.benchmark, *f.model, k.UserID); err != nil {
				return err
			}
			rows = append(rows, grantRow{UserID: k.UserID, Email: k.Email, Status: "revoked"})
		}
		return render(e.stdout, *f.out, rows, func() table { return grantTable(rows) })
	}
	return c
}

// pickByEmail returns the items whose email (any case, spaces trimmed) is
// one of emails, in the order of emails, and the emails that name none.
func pickByEmail[T any](items []T, email func(T) string, emails []string) (found []T, unmatched []string) {
	byEmail := map[string]T{}
	for _, it := range items {
		byEmail[strings.ToLower(email(it))] = it
	}
	for _, e := range emails {
		if it, ok := byEmail[strings.ToLower(strings.TrimSpace(e))]; ok {
			found = append(found, it)
		} else {
			unmatched = append(unmatched, e)
		}
	}
	return found, unmatched
}

// grantsByEmail returns the grants of the named users; a name without a
// grant is CodeNotFound (all are checked before anything is revoked).
func grantsByEmail(a *medperf.ModelAccess, emails []string) ([]medperf.ModelKey, error) {
	if !a.CanGrant {
		return nil, medperf.Errorf(medperf.CodeForbidden, "only the owner of model %d revokes its access grants", a.ModelID)
	}
	out, missing := pickByEmail(a.Grants, func(k medperf.ModelKey) string { return k.Email }, emails)
	if len(missing) > 0 {
		return nil, &medperf.Error{Code: medperf.CodeNotFound, Field: "--emails",
			Message: fmt.Sprintf("%s: no access grant for model %d in benchmark %d (see 'medperf model check-access')", strings.Join(missing, ", "), a.ModelID, a.BenchmarkID)}
	}
	return out, nil
}

func newCheckAccessCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "check-access -b BENCHMARK -m MODEL",
		Short: "Show who holds a key to a private model in a benchmark (its owner), or whether you do (a data owner)",
		Args:  cobra.NoArgs,
	}
	f := addAccessFlags(c)
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.check(); err != nil {
			return err
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		a, err := cl.ModelAccess(cmd.Context(), *f.benchmark, *f.model)
		if err != nil {
			return err
		}
		return render(e.stdout, *f.out, a, func() table { return accessTable(a) })
	}
	return c
}

// accessTable shows the owner one row per eligible data owner or holder of
// a grant, and anyone else whether they hold one.
func accessTable(a *medperf.ModelAccess) table {
	t := table{header: []string{"USER", "EMAIL", "GRANTED", "KEYS", "NOTE"}}
	t.blocks = append(t.blocks, fmt.Sprintf("auto-grant: %s\nmodel approved in the benchmark: %s", onOff(a.AutoGrant), yesNo(a.ModelApproved)))
	if !a.CanGrant && a.Eligible == nil {
		t.header = []string{"BENCHMARK", "MODEL", "YOU HOLD A GRANT"}
		t.rows = [][]string{{id(a.BenchmarkID), id(a.ModelID), yesNo(a.Granted)}}
		return t
	}
	grants := map[int64]medperf.ModelKey{}
	for _, k := range a.Grants {
		grants[k.UserID] = k
	}
	for _, c := range a.Eligible {
		note := ""
		if len(c.Keys) == 0 {
			note = "no registered key: they must run 'medperf keys create'"
		}
		k, ok := grants[c.UserID]
		delete(grants, c.UserID)
		t.rows = append(t.rows, []string{id(c.UserID), c.Email, yesNo(ok), strings.Join(k.Fingerprints, " "), note})
	}
	for _, k := range a.Grants {
		if _, left := grants[k.UserID]; left {
			t.rows = append(t.rows, []string{id(k.UserID), k.Email, "yes", strings.Join(k.Fingerprints, " "), "no dataset approved any more: the grant is unusable; revoke it"})
		}
	}
	return t
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func newDeleteKeysCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "delete-keys -b BENCHMARK -m MODEL [-y]",
		Short: "Delete every wrapped key of a private model in a benchmark: no data owner can run it until granted again",
		Args:  cobra.NoArgs,
	}
	f := addAccessFlags(c)
	yes := c.Flags().BoolP("yes", "y", false, "do not ask for confirmation")
	c.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := f.check(); err != nil {
			return err
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		payload, _ := json.Marshal(map[string]any{"benchmark": *f.benchmark, "model": *f.model, "delete": "every wrapped key"})
		ok, err := e.confirmer(*yes)("Delete every wrapped key of this model in this benchmark?", payload)
		if err != nil {
			return err
		}
		if !ok {
			return medperf.Errorf(medperf.CodeCanceled, "nothing was deleted: not confirmed")
		}
		d, err := cl.DeleteModelKeys(cmd.Context(), *f.benchmark, *f.model)
		if err != nil {
			return err
		}
		return render(e.stdout, *f.out, d, kvTable(d))
	}
	return c
}
