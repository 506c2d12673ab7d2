package play

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/synth"
	"github.com/medperf/medperf/site"
)

// Sites are the data owners' sites, by the slug of their owner.
var Sites = []struct{ Owner, Site string }{
	{"data-owner-a", "site-a"}, {"data-owner-b", "site-b"}, {"data-owner-c", "site-c"},
}

// models are the two challengers, by the slug of their owner.
var models = []struct{ owner, cube string }{
	{"model-owner-1", cubes.ModelCC}, {"model-owner-2", cubes.ModelLogReg},
}

// registerContainer writes cube's container_config.yaml and
// parameters.yaml under the owner's home (cubes/<cube>/) and registers them
// through site.SubmitContainer, as `medperf container submit` does: the
// site reads the files back, checks the image hash the demo built, and
// downloads and hashes the additional files at url when given.
func (p *player) registerContainer(ctx context.Context, u *user, c, additional string) (int64, error) {
	cfg, hash, err := p.rt.config(c)
	if err != nil {
		return 0, err
	}
	dir := filepath.Join(u.home, "cubes", c)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, &medperf.Error{Code: medperf.CodeForbidden, Message: "cannot create " + dir, Err: err}
	}
	cfgFile, paramsFile := filepath.Join(dir, "container_config.yaml"), filepath.Join(dir, "parameters.yaml")
	if err := os.WriteFile(cfgFile, cfg, 0o600); err != nil {
		return 0, &medperf.Error{Code: medperf.CodeForbidden, Message: "cannot write " + cfgFile, Err: err}
	}
	if err := os.WriteFile(paramsFile, Parameters(c), 0o600); err != nil { // JSON is YAML
		return 0, &medperf.Error{Code: medperf.CodeForbidden, Message: "cannot write the parameters", Err: err}
	}
	ct, err := u.site.SubmitContainer(ctx, site.ContainerSubmission{Name: c, ConfigFile: cfgFile, ParametersFile: paramsFile,
		ImageHash: hash, AdditionalFilesURL: additional})
	if err != nil {
		return 0, stepError("registering "+c, err)
	}
	p.mu.Lock()
	p.containers[c] = ct.ID
	p.mu.Unlock()
	extra := ""
	if additional != "" {
		extra = fmt.Sprintf(", additional files %s (sha256 %.12s...)", filepath.Base(additional), ct.AdditionalFilesHash)
	}
	p.step(u.role, "registered %s as container %d%s", c, ct.ID, extra)
	return ct.ID, nil
}

// submitBenchmark is flow 1: the benchmark owner's three containers and
// the benchmark, after its compatibility test on the demo tarball.
func (p *player) submitBenchmark(ctx context.Context) error {
	bo := p.owner()
	ids := map[string]int64{}
	for _, c := range []string{cubes.Preparator, cubes.ReferenceModel, cubes.Evaluator} {
		id, err := p.registerContainer(ctx, bo, c, "")
		if err != nil {
			return err
		}
		ids[c] = id
	}
	metrics, err := json.Marshal(Metrics())
	if err != nil {
		return &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	in := medperf.BenchmarkInput{
		Name: "brain-lesions", Description: "3D brain-lesion segmentation on synthetic FLAIR-like NIfTI volumes (medperf's reference benchmark)",
		DocsURL: "https://github.com/medperf/medperf/blob/main/docs/reference-benchmark.md", DemoDatasetURL: p.files.url + "/" + demoFile,
		DataPreparationContainer: ids[cubes.Preparator], ReferenceModelContainer: ids[cubes.ReferenceModel], DataEvaluatorContainer: ids[cubes.Evaluator],
		ClinicalTask: "brain lesion segmentation", TargetPopulation: "synthetic", LabellingMethodology: "generated with the volumes",
		Metrics: metrics, State: medperf.StateOperation,
	}
	p.step(bo.role, "running the compatibility test of the benchmark on the demo dataset ...")
	b, rep, err := bo.site.SubmitBenchmark(ctx, in)
	if err != nil {
		return stepError("submitting the benchmark", err)
	}
	p.benchmark, p.report.Benchmark = b.ID, b.ID
	p.step(bo.role, "submitted benchmark %d %q (reference model on the demo data: %s); it waits for an admin's approval", b.ID, b.Name, metricSummary(rep.Metrics))
	return nil
}

// approveBenchmark: the admin approves the benchmark.
func (p *player) approveBenchmark(ctx context.Context) error {
	to := medperf.StatusApproved
	if _, err := p.admin.cl.UpdateBenchmark(ctx, p.benchmark, medperf.BenchmarkPatch{ApprovalStatus: &to}); err != nil {
		return stepError("approving the benchmark", err)
	}
	p.step(roleAdmin, "approved benchmark %d", p.benchmark)
	return nil
}

// joinInParallel is flows 2 and 3: the model owners register their
// models and the data owners generate and register their datasets, in
// order (so that ids follow the sites' names); then, all at once, the
// models' compatibility tests and association requests, and the datasets'
// preparation and association requests.
func (p *player) joinInParallel(ctx context.Context) error {
	var fs []func(context.Context) error
	for _, m := range models {
		u := p.users[m.owner]
		additional := ""
		if m.cube == cubes.ModelLogReg {
			additional = p.files.url + "/" + weightsFile
		}
		id, err := p.registerContainer(ctx, u, m.cube, additional)
		if err != nil {
			return err
		}
		fs = append(fs, func(ctx context.Context) error { return p.associateModel(ctx, u, m.cube, id) })
	}
	for _, s := range Sites {
		u := p.users[s.Owner]
		id, err := p.registerDataset(ctx, u, s.Site)
		if err != nil {
			return err
		}
		fs = append(fs, func(ctx context.Context) error { return p.prepareDataset(ctx, u, s.Site, id) })
	}
	return parallel(ctx, fs...)
}

func (p *player) associateModel(ctx context.Context, u *user, c string, id int64) error {
	if _, err := u.site.AssociateModel(ctx, id, p.benchmark); err != nil {
		return stepError("associating "+c, err)
	}
	p.step(u.role, "asked benchmark %d to accept %s (compatibility test passed on the demo data)", p.benchmark, c)
	return nil
}

// registerDataset generates a site's data in its owner's home and
// registers it (only its hash and the names typed leave the site).
func (p *player) registerDataset(ctx context.Context, u *user, siteName string) (int64, error) {
	raw := filepath.Join(u.home, "data", siteName)
	if err := synth.WriteDataset(raw, synth.SiteNamed(siteName), p.o.Cases, p.o.Seed); err != nil {
		return 0, stepError("generating the data of "+siteName, err)
	}
	d, err := u.site.SubmitDataset(ctx, site.DatasetSubmission{BenchmarkID: p.benchmark, DataPath: filepath.Join(raw, "data"), LabelsPath: filepath.Join(raw, "labels"),
		Name: siteName, Description: "synthetic cases of " + siteName, Location: siteName + " (synthetic)"})
	if err != nil {
		return 0, stepError("registering the dataset of "+siteName, err)
	}
	p.mu.Lock()
	p.datasets[siteName] = d.ID
	p.mu.Unlock()
	p.step(u.role, "generated %d cases of %s in %s and registered them as dataset %d (only their hash is sent)", p.o.Cases, siteName, raw, d.ID)
	return d.ID, nil
}

// prepareDataset prepares a registered dataset, makes it operational and
// asks the benchmark to accept it.
func (p *player) prepareDataset(ctx context.Context, u *user, siteName string, id int64) error {
	s := u.site
	if err := s.Prepare(ctx, id); err != nil {
		return stepError("preparing dataset "+siteName, err)
	}
	if _, err := s.SetOperational(ctx, id); err != nil {
		return stepError("making dataset "+siteName+" operational", err)
	}
	p.step(u.role, "prepared dataset %d and made it operational (its statistics sent)", id)
	if _, err := s.AssociateDataset(ctx, id, p.benchmark); err != nil {
		return stepError("associating dataset "+siteName, err)
	}
	p.step(u.role, "asked benchmark %d to accept dataset %d (reference model run on it)", p.benchmark, id)
	return nil
}

// approveRequests: the benchmark owner approves every pending request.
func (p *player) approveRequests(ctx context.Context) error {
	bo := p.owner()
	to := medperf.StatusApproved
	n := 0
	for _, kind := range []medperf.ComponentKind{medperf.KindModel, medperf.KindDataset} {
		l, err := bo.cl.ListAssociations(ctx, medperf.AssociationFilter{BenchmarkID: p.benchmark, Kind: kind, ApprovalStatus: medperf.StatusPending, Page: medperf.Page{Limit: medperf.MaxPageSize}})
		if err != nil {
			return stepError("listing the association requests", err)
		}
		for _, a := range l.Items {
			if _, err := bo.cl.DecideAssociation(ctx, p.benchmark, kind, a.ComponentID, medperf.AssociationDecision{ApprovalStatus: &to}); err != nil {
				return stepError(fmt.Sprintf("approving %s %d", kind, a.ComponentID), err)
			}
			n++
		}
	}
	p.step(bo.role, "approved %d association requests (models and datasets)", n)
	return nil
}

// runInParallel is flow 4 at every site at once: run every model, review
// and submit the results.
func (p *player) runInParallel(ctx context.Context) error {
	var fs []func(context.Context) error
	for _, s := range Sites {
		fs = append(fs, func(ctx context.Context) error { return p.runSite(ctx, p.users[s.Owner], s.Site) })
	}
	return parallel(ctx, fs...)
}

func (p *player) runSite(ctx context.Context, u *user, siteName string) error {
	d := p.datasets[siteName]
	p.step(u.role, "running every model on dataset %d ...", d)
	if _, err := u.site.Run(ctx, p.benchmark, d, site.RunOptions{}); err != nil {
		return stepError("running the models on "+siteName, err)
	}
	local, err := u.site.LocalResults(site.ResultQuery{BenchmarkID: p.benchmark, DatasetID: d})
	if err != nil {
		return err
	}
	for _, r := range local {
		res, err := u.site.SubmitResult(ctx, r.ResultKey)
		if err != nil {
			return stepError("submitting a result of "+siteName, err)
		}
		p.addResult(Result{Site: siteName, DatasetID: d, Model: p.cubeName(r.ModelID), ModelID: r.ModelID, ResultID: res.ID, Metrics: r.Metrics})
	}
	p.step(u.role, "reviewed and submitted %d results", len(local))
	return nil
}

func (p *player) cubeName(id int64) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c, x := range p.containers {
		if x == id {
			return c
		}
	}
	return fmt.Sprint(id)
}

// metricSummary shows the primary metric of raw results.
func metricSummary(raw json.RawMessage) string {
	var m map[string]float64
	if json.Unmarshal(raw, &m) != nil {
		return "no metrics"
	}
	return fmt.Sprintf("%s %.3f on %v cases", PrimaryMetric, m[PrimaryMetric], m["n_cases"])
}
