package sqldb

import (
	"context"
	"database/sql"

	"github.com/medperf/medperf"
)

const datasetCols = `d.id, d.owner, d.name, d.description, d.location, d.input_data_hash, d.generated_uid,
	d.preparator, d.generated_metadata, d.report, d.state, d.is_valid, d.metadata, d.user_metadata,
	d.created_at, d.modified_at, p.owner`

// datasetFrom joins each dataset with its preparator, whose owner may read
// the preparation report.
const datasetFrom = `datasets d JOIN containers p ON p.id = d.preparator`

// scanDataset reads a dataset and hides its report from callers who may not
// see it.
func scanDataset(s interface{ Scan(...any) error }, caller *medperf.User) (*medperf.Dataset, error) {
	var x medperf.Dataset
	var stats, report, meta, umeta sql.NullString
	var created, modified string
	var preparatorOwner int64
	err := s.Scan(&x.ID, &x.Owner, &x.Name, &x.Description, &x.Location, &x.InputDataHash, &x.GeneratedUID,
		&x.DataPreparationContainer, &stats, &report, &x.State, &x.IsValid, &meta, &umeta, &created, &modified,
		&preparatorOwner)
	if err != nil {
		return nil, err
	}
	x.GeneratedMetadata, x.Metadata, x.UserMetadata = rawJSON(stats), rawJSON(meta), rawJSON(umeta)
	if medperf.CanSeeReport(caller, x.Owner, preparatorOwner) {
		x.Report = rawJSON(report)
	}
	x.CreatedAt, x.ModifiedAt = parseTime(created), parseTime(modified)
	return &x, nil
}

// getDataset returns a dataset as caller sees it, or CodeNotFound.
func getDataset(ctx context.Context, c conn, id int64, caller *medperf.User) (*medperf.Dataset, error) {
	x, err := scanDataset(c.row(ctx, `SELECT `+datasetCols+` FROM `+datasetFrom+` WHERE d.id = ?`, id), caller)
	if noRows(err) {
		return nil, notFound("dataset", id)
	}
	return x, err
}

// checkDataset checks a dataset's fields, its preparator, and the
// uniqueness of its prepared hash among OPERATION datasets.
func checkDataset(ctx context.Context, c conn, in *medperf.DatasetInput, self int64) error {
	if err := in.Validate(); err != nil {
		return err
	}
	prep, err := getContainer(ctx, c, in.DataPreparationContainer)
	if medperf.ErrorCode(err) == medperf.CodeNotFound {
		return medperf.FieldError("data_preparation_mlcube", "no such container")
	}
	if err != nil {
		return err
	}
	if !prep.HasTask(medperf.TaskPrepare) {
		return medperf.FieldError("data_preparation_mlcube", "container %d has no prepare task", prep.ID)
	}
	if in.State != medperf.StateOperation {
		return nil
	}
	n, err := c.count(ctx, `SELECT COUNT(*) FROM datasets WHERE generated_uid = ? AND state = ? AND id <> ?`,
		in.GeneratedUID, medperf.StateOperation, self)
	if err != nil {
		return err
	}
	if n > 0 {
		return &medperf.Error{Code: medperf.CodeConflict, Field: "generated_uid", Message: "another dataset in OPERATION has this prepared hash"}
	}
	return nil
}

// CreateDataset implements medperf.DatasetService.
func (d *DB) CreateDataset(ctx context.Context, in medperf.DatasetInput) (*medperf.Dataset, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *medperf.Dataset
	err = d.register(ctx, func(c conn) error {
		if err := checkDataset(ctx, c, &in, 0); err != nil {
			return err
		}
		now := d.now()
		id, err := c.insert(ctx, `INSERT INTO datasets (owner, name, description, location, input_data_hash,
			generated_uid, preparator, generated_metadata, report, state, is_valid, metadata, user_metadata,
			created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			caller.ID, in.Name, in.Description, in.Location, in.InputDataHash, in.GeneratedUID,
			in.DataPreparationContainer, jsonText(in.GeneratedMetadata), jsonText(in.Report), in.State, true,
			jsonText(in.Metadata), jsonText(in.UserMetadata), now, now)
		if err != nil {
			return err
		}
		if out, err = getDataset(ctx, c, id, caller); err != nil {
			return err
		}
		return c.audit(ctx, caller.ID, medperf.ActionCreate, "dataset", id, auditDataset(in))
	})
	return out, err
}

// auditDataset is what the audit log records of a dataset: everything but
// the report, which only some may read.
func auditDataset(in medperf.DatasetInput) medperf.DatasetInput {
	in.Report = nil
	return in
}

// GetDataset implements medperf.DatasetService.
func (d *DB) GetDataset(ctx context.Context, id int64) (*medperf.Dataset, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	x, err := getDataset(ctx, d.read(), id, caller)
	return x, internal(err)
}

// ListDatasets implements medperf.DatasetService.
func (d *DB) ListDatasets(ctx context.Context, f medperf.DatasetFilter) (*medperf.List[medperf.Dataset], error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	var w where
	addIf(&w, "d.owner", f.Owner)
	addIf(&w, "d.state", f.State)
	addIf(&w, "d.preparator", f.Preparator)
	addIf(&w, "d.generated_uid", f.GeneratedUID)
	return list(ctx, d, datasetFrom, datasetCols, w, f.Page, func(r *sql.Rows) (medperf.Dataset, error) {
		x, err := scanDataset(r, caller)
		if err != nil {
			return medperf.Dataset{}, err
		}
		return *x, nil
	})
}

// UpdateDataset implements medperf.DatasetService.
func (d *DB) UpdateDataset(ctx context.Context, id int64, p medperf.DatasetPatch) (*medperf.Dataset, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	var out *medperf.Dataset
	err = d.write(ctx, func(c conn) error {
		old, err := getDataset(ctx, c, id, caller)
		if err != nil {
			return err
		}
		if !medperf.CanEdit(caller, old.Owner) {
			return medperf.Errorf(medperf.CodeForbidden, "only the dataset's owner or an admin edits it")
		}
		next := p.Apply(*old)
		if err := medperf.CheckEdit("dataset", old.State, next.State, p.Fields()); err != nil {
			return err
		}
		in := next.Input()
		if err := checkDataset(ctx, c, &in, id); err != nil {
			return err
		}
		report := any(nil)
		if next.Report != nil {
			report = jsonText(next.Report)
		}
		err = c.exec(ctx, `UPDATE datasets SET name = ?, description = ?, location = ?, input_data_hash = ?,
			generated_uid = ?, preparator = ?, generated_metadata = ?, report = COALESCE(?, report), state = ?,
			is_valid = ?, metadata = ?, user_metadata = ?, modified_at = ? WHERE id = ?`,
			in.Name, in.Description, in.Location, in.InputDataHash, in.GeneratedUID, in.DataPreparationContainer,
			jsonText(in.GeneratedMetadata), report, in.State, next.IsValid, jsonText(in.Metadata),
			jsonText(in.UserMetadata), d.now(), id)
		if err != nil {
			return err
		}
		if out, err = getDataset(ctx, c, id, caller); err != nil {
			return err
		}
		p.Report = nil
		return c.audit(ctx, caller.ID, medperf.ActionUpdate, "dataset", id, p, old.Owner)
	})
	return out, err
}
