package site

import (
	"context"
	"fmt"

	"github.com/medperf/medperf"
)

// preconditions of MedPerf, checked on the site before any container runs,
// each with what to do next.

func notApproved(b *medperf.Benchmark) error {
	return medperf.Errorf(medperf.CodeConflict, "benchmark %d is %s, not APPROVED: wait for an admin to approve it ('medperf benchmark approve -b %d')", b.ID, b.ApprovalStatus, b.ID)
}

func notOperational(id int64) error {
	return medperf.Errorf(medperf.CodeConflict, "dataset %d is not operational: run 'medperf dataset prepare -d %d' and 'medperf dataset set-operational -d %d' first", id, id, id)
}

func wrongPreparator(d *medperf.Dataset, b *medperf.Benchmark) error {
	return medperf.Errorf(medperf.CodeInvalid, "wrong preparator: dataset %d was prepared with container %d, but benchmark %d uses container %d: register and prepare the data again for this benchmark ('medperf dataset submit -b %d ...')",
		d.ID, d.DataPreparationContainer, b.ID, b.DataPreparationContainer, b.ID)
}

// benchmarkAndDataset returns an approved benchmark and an operational
// dataset prepared with its preparator, or the precondition that fails.
func (s *Site) benchmarkAndDataset(ctx context.Context, benchmarkID, datasetID int64) (*medperf.Benchmark, *medperf.Dataset, error) {
	b, err := s.Registry.GetBenchmark(ctx, benchmarkID)
	if err != nil {
		return nil, nil, err
	}
	if b.ApprovalStatus != medperf.StatusApproved {
		return nil, nil, notApproved(b)
	}
	d, err := s.Registry.GetDataset(ctx, datasetID)
	if err != nil {
		return nil, nil, err
	}
	if d.State != medperf.StateOperation {
		return nil, nil, notOperational(d.ID)
	}
	if d.DataPreparationContainer != b.DataPreparationContainer {
		return nil, nil, wrongPreparator(d, b)
	}
	return b, d, nil
}

// compatibilityMetadata is what an association request carries.
func compatibilityMetadata(r *TestReport) []byte {
	return rawJSON(map[string]any{"compatibility_test": r})
}

// AssociateDataset runs the benchmark's reference model on the dataset's
// prepared data, shows the metrics, asks, and requests the association.
func (s *Site) AssociateDataset(ctx context.Context, datasetID, benchmarkID int64) (*medperf.Association, error) {
	b, d, err := s.benchmarkAndDataset(ctx, benchmarkID, datasetID)
	if err != nil {
		return nil, err
	}
	if _, err := s.LocalDataset(d.ID); err != nil {
		return nil, err
	}
	rep, err := s.Test(ctx, TestSpec{BenchmarkID: b.ID, DatasetID: d.ID})
	if err != nil {
		return nil, err
	}
	rep.Statistics = nil // the dataset's statistics are already registered
	req := medperf.AssociationRequest{ComponentID: d.ID, Metadata: compatibilityMetadata(rep)}
	if err := s.confirm(fmt.Sprintf("Ask benchmark %d to accept dataset %d with these results of its reference model?", b.ID, d.ID), req); err != nil {
		return nil, err
	}
	return s.Registry.RequestAssociation(ctx, b.ID, medperf.KindDataset, req)
}

// AssociateModel runs the compatibility test of model on the benchmark's
// demo data, shows the metrics, asks, and requests the association.
func (s *Site) AssociateModel(ctx context.Context, modelID, benchmarkID int64) (*medperf.Association, error) {
	b, err := s.Registry.GetBenchmark(ctx, benchmarkID)
	if err != nil {
		return nil, err
	}
	if b.ApprovalStatus != medperf.StatusApproved {
		return nil, notApproved(b)
	}
	model, err := s.ContainerIn(ctx, b.ID, modelID)
	if err != nil {
		return nil, err
	}
	rep, err := s.Test(ctx, TestSpec{BenchmarkID: b.ID, Model: model})
	if err != nil {
		return nil, err
	}
	req := medperf.AssociationRequest{ComponentID: modelID, Metadata: compatibilityMetadata(rep)}
	if err := s.confirm(fmt.Sprintf("Ask benchmark %d to accept model %d with these compatibility-test results?", b.ID, modelID), req); err != nil {
		return nil, err
	}
	return s.Registry.RequestAssociation(ctx, b.ID, medperf.KindModel, req)
}

// SubmitBenchmark runs the compatibility test of the benchmark's three
// containers on its demo data, fills in the demo hashes and the reference
// results, shows the registration, asks, and registers it (PENDING until an
// admin approves it). With Options.SkipCompatibilityTest only the demo data
// is prepared (or, with SkipDemoPreparation, only hashed), for its hashes;
// no model runs and no reference results are registered.
func (s *Site) SubmitBenchmark(ctx context.Context, in medperf.BenchmarkInput) (*medperf.Benchmark, *TestReport, error) {
	var spec TestSpec
	var err error
	for _, c := range []struct {
		dst **Component
		id  int64
		f   string
	}{{&spec.Preparator, in.DataPreparationContainer, "-p"}, {&spec.Model, in.ReferenceModelContainer, "-m"}, {&spec.Evaluator, in.DataEvaluatorContainer, "-e"}} {
		if c.id <= 0 {
			return nil, nil, medperf.FieldError(c.f, "is required (the id of a registered container)")
		}
		if *c.dst, err = s.Container(ctx, c.id); err != nil {
			return nil, nil, err
		}
	}
	spec.DemoURL, spec.DemoHash = in.DemoDatasetURL, in.DemoDatasetHash
	if s.Options.SkipCompatibilityTest {
		if in.DemoDatasetHash, in.DemoDatasetGeneratedUID, err = s.demoHashes(ctx, spec); err != nil {
			return nil, nil, err
		}
		return s.registerBenchmark(ctx, in, nil)
	}
	rep, err := s.Test(ctx, spec)
	if err != nil {
		return nil, nil, err
	}
	in.DemoDatasetHash, in.DemoDatasetGeneratedUID = rep.DemoHash, rep.PreparedHash
	in.Metadata = rawJSON(map[string]any{"reference_results": rep})
	return s.registerBenchmark(ctx, in, rep)
}

// registerBenchmark shows in, asks, and registers it.
func (s *Site) registerBenchmark(ctx context.Context, in medperf.BenchmarkInput, rep *TestReport) (*medperf.Benchmark, *TestReport, error) {
	if err := s.confirm("Register this benchmark?", in); err != nil {
		return nil, nil, err
	}
	b, err := s.Registry.CreateBenchmark(ctx, in)
	return b, rep, err
}
