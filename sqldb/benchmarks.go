package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/medperf/medperf"
)

const benchmarkCols = `id, owner, name, description, docs_url, document, clinical_task, target_population,
	labelling_methodology, demo_url, demo_hash, demo_generated_uid, preparator, reference_model, evaluator,
	metrics, approval_status, approved_at, state, dataset_mode, dataset_allowlist, model_mode, model_allowlist,
	is_valid, metadata, user_metadata, created_at, modified_at, leaderboard_public, leaderboard_min_sites,
	require_signed_results`

func scanBenchmark(s interface{ Scan(...any) error }) (*medperf.Benchmark, error) {
	var b medperf.Benchmark
	var metrics, approved, meta, umeta sql.NullString
	var dAllow, mAllow, created, modified string
	err := s.Scan(&b.ID, &b.Owner, &b.Name, &b.Description, &b.DocsURL, &b.Document, &b.ClinicalTask,
		&b.TargetPopulation, &b.LabellingMethodology, &b.DemoDatasetURL, &b.DemoDatasetHash,
		&b.DemoDatasetGeneratedUID, &b.DataPreparationContainer, &b.ReferenceModelContainer,
		&b.DataEvaluatorContainer, &metrics, &b.ApprovalStatus, &approved, &b.State,
		&b.DatasetAutoApprovalMode, &dAllow, &b.ModelAutoApprovalMode, &mAllow, &b.IsValid, &meta, &umeta,
		&created, &modified, &b.LeaderboardPublic, &b.LeaderboardMinSites, &b.RequireSignedResults)
	if err != nil {
		return nil, err
	}
	b.Metrics, b.ApprovedAt = rawJSON(metrics), parseTimePtr(approved)
	if err := json.Unmarshal([]byte(dAllow), &b.DatasetAutoApprovalAllowlist); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(mAllow), &b.ModelAutoApprovalAllowlist); err != nil {
		return nil, err
	}
	b.Metadata, b.UserMetadata = rawJSON(meta), rawJSON(umeta)
	b.CreatedAt, b.ModifiedAt = parseTime(created), parseTime(modified)
	return &b, nil
}

// getBenchmark returns a benchmark or CodeNotFound.
func getBenchmark(ctx context.Context, c conn, id int64) (*medperf.Benchmark, error) {
	b, err := scanBenchmark(c.row(ctx, `SELECT `+benchmarkCols+` FROM benchmarks WHERE id = ?`, id))
	if noRows(err) {
		return nil, notFound("benchmark", id)
	}
	return b, err
}

// benchmarkContainers loads the three containers of in, missing ones nil.
func benchmarkContainers(ctx context.Context, c conn, in medperf.BenchmarkInput) (medperf.BenchmarkContainers, error) {
	var out medperf.BenchmarkContainers
	for _, x := range []struct {
		id  int64
		dst **medperf.Container
	}{{in.DataPreparationContainer, &out.Preparator}, {in.ReferenceModelContainer, &out.ReferenceModel}, {in.DataEvaluatorContainer, &out.Evaluator}} {
		ct, err := getContainer(ctx, c, x.id)
		if medperf.ErrorCode(err) == medperf.CodeNotFound {
			continue
		}
		if err != nil {
			return out, err
		}
		*x.dst = ct
	}
	return out, nil
}

// checkBenchmark checks a benchmark's fields, containers and name.
func checkBenchmark(ctx context.Context, c conn, in *medperf.BenchmarkInput, self int64) error {
	if err := in.Validate(); err != nil {
		return err
	}
	cs, err := benchmarkContainers(ctx, c, *in)
	if err != nil {
		return err
	}
	if err := medperf.CheckBenchmarkContainers(cs); err != nil {
		return err
	}
	if err := medperf.CheckBenchmarkOperation(in.State, cs); err != nil {
		return err
	}
	n, err := c.count(ctx, `SELECT COUNT(*) FROM benchmarks WHERE name = ? AND id <> ?`, in.Name, self)
	if err != nil {
		return err
	}
	if n > 0 {
		return &medperf.Error{Code: medperf.CodeConflict, Field: "name", Message: "a benchmark with this name already exists"}
	}
	return nil
}

func allowlistJSON(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// CreateBenchmark implements medperf.BenchmarkService.
func (d *DB) CreateBenchmark(ctx context.Context, in medperf.BenchmarkInput) (*medperf.Benchmark, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *medperf.Benchmark
	err = d.write(ctx, func(c conn) error {
		pending, err := c.count(ctx, `SELECT COUNT(*) FROM benchmarks WHERE owner = ? AND approval_status = ?`, caller.ID, medperf.StatusPending)
		if err != nil {
			return err
		}
		if err := medperf.CheckNewBenchmark(pending); err != nil {
			return err
		}
		if err := checkBenchmark(ctx, c, &in, 0); err != nil {
			return err
		}
		now := d.now()
		id, err := c.insert(ctx, `INSERT INTO benchmarks (owner, name, description, docs_url, document, clinical_task,
			target_population, labelling_methodology, demo_url, demo_hash, demo_generated_uid, preparator,
			reference_model, evaluator, metrics, approval_status, state, dataset_mode, dataset_allowlist,
			model_mode, model_allowlist, is_valid, metadata, user_metadata, created_at, modified_at, leaderboard_public,
			leaderboard_min_sites, require_signed_results)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			caller.ID, in.Name, in.Description, in.DocsURL, in.Document, in.ClinicalTask, in.TargetPopulation,
			in.LabellingMethodology, in.DemoDatasetURL, in.DemoDatasetHash, in.DemoDatasetGeneratedUID,
			in.DataPreparationContainer, in.ReferenceModelContainer, in.DataEvaluatorContainer, jsonText(in.Metrics),
			medperf.StatusPending, in.State, in.DatasetAutoApprovalMode, allowlistJSON(in.DatasetAutoApprovalAllow),
			in.ModelAutoApprovalMode, allowlistJSON(in.ModelAutoApprovalAllow), true, jsonText(in.Metadata),
			jsonText(in.UserMetadata), now, now, in.LeaderboardPublic, in.LeaderboardMinSites, in.RequiresSignedResults())
		if err != nil {
			return err
		}
		if out, err = getBenchmark(ctx, c, id); err != nil {
			return err
		}
		return c.audit(ctx, caller.ID, medperf.ActionCreate, "benchmark", id, in)
	})
	return out, err
}

// GetBenchmark implements medperf.BenchmarkService.
func (d *DB) GetBenchmark(ctx context.Context, id int64) (*medperf.Benchmark, error) {
	if _, err := medperf.RequireCaller(ctx); err != nil {
		return nil, err
	}
	b, err := getBenchmark(ctx, d.read(), id)
	return b, internal(err)
}

// ListBenchmarks implements medperf.BenchmarkService.
func (d *DB) ListBenchmarks(ctx context.Context, f medperf.BenchmarkFilter) (*medperf.List[medperf.Benchmark], error) {
	if _, err := medperf.RequireCaller(ctx); err != nil {
		return nil, err
	}
	var w where
	addIf(&w, "owner", f.Owner)
	addIf(&w, "state", f.State)
	addIf(&w, "approval_status", f.ApprovalStatus)
	addIf(&w, "name", f.Name)
	return list(ctx, d, "benchmarks", benchmarkCols, w, f.Page, func(r *sql.Rows) (medperf.Benchmark, error) {
		b, err := scanBenchmark(r)
		if err != nil {
			return medperf.Benchmark{}, err
		}
		return *b, nil
	})
}

// UpdateBenchmark implements medperf.BenchmarkService.
func (d *DB) UpdateBenchmark(ctx context.Context, id int64, p medperf.BenchmarkPatch) (*medperf.Benchmark, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	var out *medperf.Benchmark
	err = d.write(ctx, func(c conn) error {
		old, err := getBenchmark(ctx, c, id)
		if err != nil {
			return err
		}
		if !medperf.CanEdit(caller, old.Owner) {
			return medperf.Errorf(medperf.CodeForbidden, "only the benchmark's owner or an admin edits it")
		}
		next := p.Apply(*old)
		if err := medperf.CheckEdit("benchmark", old.State, next.State, p.Fields()); err != nil {
			return err
		}
		action := medperf.ActionUpdate
		if p.ApprovalStatus != nil {
			if err := medperf.CheckBenchmarkApproval(caller, old.ApprovalStatus, *p.ApprovalStatus); err != nil {
				return err
			}
			next.ApprovalStatus, action = *p.ApprovalStatus, medperf.ActionReject
			if next.ApprovalStatus == medperf.StatusApproved {
				now := d.Now()
				next.ApprovedAt, action = &now, medperf.ActionApprove
			}
		}
		in := next.Input()
		if err := checkBenchmark(ctx, c, &in, id); err != nil {
			return err
		}
		var approvedAt any
		if next.ApprovedAt != nil {
			approvedAt = formatTime(*next.ApprovedAt)
		}
		err = c.exec(ctx, `UPDATE benchmarks SET name = ?, description = ?, docs_url = ?, document = ?,
			clinical_task = ?, target_population = ?, labelling_methodology = ?, demo_url = ?, demo_hash = ?,
			demo_generated_uid = ?, preparator = ?, reference_model = ?, evaluator = ?, metrics = ?,
			approval_status = ?, approved_at = ?, state = ?, dataset_mode = ?, dataset_allowlist = ?,
			model_mode = ?, model_allowlist = ?, is_valid = ?, metadata = ?, user_metadata = ?, modified_at = ?,
			leaderboard_public = ?, leaderboard_min_sites = ?, require_signed_results = ? WHERE id = ?`,
			in.Name, in.Description, in.DocsURL, in.Document, in.ClinicalTask, in.TargetPopulation,
			in.LabellingMethodology, in.DemoDatasetURL, in.DemoDatasetHash, in.DemoDatasetGeneratedUID,
			in.DataPreparationContainer, in.ReferenceModelContainer, in.DataEvaluatorContainer, jsonText(in.Metrics),
			next.ApprovalStatus, approvedAt, in.State, in.DatasetAutoApprovalMode,
			allowlistJSON(in.DatasetAutoApprovalAllow), in.ModelAutoApprovalMode,
			allowlistJSON(in.ModelAutoApprovalAllow), next.IsValid, jsonText(in.Metadata),
			jsonText(in.UserMetadata), d.now(), in.LeaderboardPublic, in.LeaderboardMinSites, in.RequiresSignedResults(), id)
		if err != nil {
			return err
		}
		if out, err = getBenchmark(ctx, c, id); err != nil {
			return err
		}
		return c.audit(ctx, caller.ID, action, "benchmark", id, p, old.Owner)
	})
	return out, err
}
