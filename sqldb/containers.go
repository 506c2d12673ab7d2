package sqldb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/medperf/medperf"
)

const containerCols = `id, owner, name, config, parameters, image_hash, additional_files_url,
	additional_files_hash, tasks, is_model, state, is_valid, metadata, user_metadata, created_at, modified_at`

func scanContainer(s interface{ Scan(...any) error }) (*medperf.Container, error) {
	var x medperf.Container
	var config, tasks, created, modified string
	var params, meta, umeta sql.NullString
	err := s.Scan(&x.ID, &x.Owner, &x.Name, &config, &params, &x.ImageHash, &x.AdditionalFilesURL,
		&x.AdditionalFilesHash, &tasks, &x.IsModel, &x.State, &x.IsValid, &meta, &umeta, &created, &modified)
	if err != nil {
		return nil, err
	}
	x.Config, x.Parameters = json.RawMessage(config), rawJSON(params)
	x.Tasks = strings.Split(tasks, ",")
	x.Metadata, x.UserMetadata = rawJSON(meta), rawJSON(umeta)
	x.CreatedAt, x.ModifiedAt = parseTime(created), parseTime(modified)
	return &x, nil
}

// getContainer returns a container with its signature, or CodeNotFound.
func getContainer(ctx context.Context, c conn, id int64) (*medperf.Container, error) {
	x, err := scanContainer(c.row(ctx, `SELECT `+containerCols+` FROM containers WHERE id = ?`, id))
	if noRows(err) {
		return nil, notFound("container", id)
	}
	if err != nil {
		return nil, err
	}
	return x, attachSignature(ctx, c, x)
}

// containerIdentity is the hash of what makes a container unique: its image
// hash, its additional files' hash, its config and its parameters (JSON in
// compact form). Storing the hash keeps the unique index small.
func containerIdentity(in medperf.ContainerInput) string {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(in.ImageHash), []byte(in.AdditionalFilesHash), compact(in.Config), compact(in.Parameters)} {
		h.Write(part)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func compact(raw json.RawMessage) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// checkContainerUnique refuses a name or an identity that another container has.
func checkContainerUnique(ctx context.Context, c conn, in medperf.ContainerInput, self int64) error {
	n, err := c.count(ctx, `SELECT COUNT(*) FROM containers WHERE name = ? AND id <> ?`, in.Name, self)
	if err != nil {
		return err
	}
	if n > 0 {
		return &medperf.Error{Code: medperf.CodeConflict, Field: "name", Message: "a container with this name already exists"}
	}
	n, err = c.count(ctx, `SELECT COUNT(*) FROM containers WHERE identity = ? AND id <> ?`, containerIdentity(in), self)
	if err != nil {
		return err
	}
	if n > 0 {
		return &medperf.Error{Code: medperf.CodeConflict, Field: "image_hash",
			Message: "a container with the same image hash, additional files, config and parameters already exists"}
	}
	return nil
}

// CreateContainer implements medperf.ContainerService.
func (d *DB) CreateContainer(ctx context.Context, in medperf.ContainerInput) (*medperf.Container, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	tasks, err := in.Validate()
	if err != nil {
		return nil, err
	}
	if err := d.checkContainer(in); err != nil {
		return nil, err
	}
	if in.State == "" {
		in.State = medperf.StateDevelopment
	}
	var out *medperf.Container
	err = d.register(ctx, func(c conn) error {
		if err := checkContainerUnique(ctx, c, in, 0); err != nil {
			return err
		}
		var sig *signature
		if hasEnvelope(in.Envelope) {
			if sig, err = d.verifyContainerSignature(ctx, c, caller.ID, in, in.Envelope); err != nil {
				return err
			}
		}
		now := d.now()
		id, err := c.insert(ctx, `INSERT INTO containers (owner, name, config, parameters, image_hash,
			additional_files_url, additional_files_hash, identity, tasks, is_model, state, is_valid,
			metadata, user_metadata, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			caller.ID, in.Name, string(compact(in.Config)), jsonText(in.Parameters), in.ImageHash,
			in.AdditionalFilesURL, in.AdditionalFilesHash, containerIdentity(in), strings.Join(tasks, ","),
			hasInfer(tasks), in.State, true, jsonText(in.Metadata), jsonText(in.UserMetadata), now, now)
		if err != nil {
			return err
		}
		if sig != nil {
			if err := d.storeContainerSignature(ctx, c, id, sig); err != nil {
				return err
			}
		}
		if out, err = getContainer(ctx, c, id); err != nil {
			return err
		}
		return c.audit(ctx, caller.ID, medperf.ActionCreate, "container", id, in)
	})
	return out, err
}

func hasInfer(tasks []string) bool {
	for _, t := range tasks {
		if t == medperf.TaskInfer {
			return true
		}
	}
	return false
}

// GetContainer implements medperf.ContainerService.
func (d *DB) GetContainer(ctx context.Context, id int64) (*medperf.Container, error) {
	if _, err := medperf.RequireCaller(ctx); err != nil {
		return nil, err
	}
	x, err := getContainer(ctx, d.read(), id)
	return x, internal(err)
}

// ListContainers implements medperf.ContainerService.
func (d *DB) ListContainers(ctx context.Context, f medperf.ContainerFilter) (*medperf.List[medperf.Container], error) {
	if _, err := medperf.RequireCaller(ctx); err != nil {
		return nil, err
	}
	var w where
	addIf(&w, "owner", f.Owner)
	addIf(&w, "state", f.State)
	addIf(&w, "name", f.Name)
	if f.IsModel != nil {
		w.add("is_model = ?", *f.IsModel)
	}
	return list(ctx, d, "containers", containerCols, w, f.Page, func(r *sql.Rows) (medperf.Container, error) {
		x, err := scanContainer(r)
		if err != nil {
			return medperf.Container{}, err
		}
		return *x, nil
	})
}

// UpdateContainer implements medperf.ContainerService.
func (d *DB) UpdateContainer(ctx context.Context, id int64, p medperf.ContainerPatch) (*medperf.Container, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	var out *medperf.Container
	err = d.write(ctx, func(c conn) error {
		old, err := getContainer(ctx, c, id)
		if err != nil {
			return err
		}
		if !medperf.CanEdit(caller, old.Owner) {
			return medperf.Errorf(medperf.CodeForbidden, "only the container's owner or an admin edits it")
		}
		next := p.Apply(*old)
		if err := medperf.CheckEdit("container", old.State, next.State, p.Fields()); err != nil {
			return err
		}
		if err := d.checkContainerStillUsable(ctx, c, old, &next); err != nil {
			return err
		}
		in := next.Input()
		tasks, err := in.Validate()
		if err != nil {
			return err
		}
		if p.Config != nil {
			if err := d.checkContainer(in); err != nil {
				return err
			}
		}
		if err := checkContainerUnique(ctx, c, in, id); err != nil {
			return err
		}
		err = c.exec(ctx, `UPDATE containers SET name = ?, config = ?, parameters = ?, image_hash = ?,
			additional_files_url = ?, additional_files_hash = ?, identity = ?, tasks = ?, is_model = ?, state = ?,
			is_valid = ?, metadata = ?, user_metadata = ?, modified_at = ? WHERE id = ?`,
			in.Name, string(compact(in.Config)), jsonText(in.Parameters), in.ImageHash, in.AdditionalFilesURL,
			in.AdditionalFilesHash, containerIdentity(in), strings.Join(tasks, ","), hasInfer(tasks), in.State,
			next.IsValid, jsonText(in.Metadata), jsonText(in.UserMetadata), d.now(), id)
		if err != nil {
			return err
		}
		if signedPartChanged(old.Input(), in) { // the signature was about what changed
			if err := c.exec(ctx, `DELETE FROM container_signatures WHERE container_id = ?`, id); err != nil {
				return err
			}
		}
		if out, err = getContainer(ctx, c, id); err != nil {
			return err
		}
		return c.audit(ctx, caller.ID, medperf.ActionUpdate, "container", id, p, old.Owner)
	})
	return out, err
}

// checkContainerStillUsable refuses a config change that would remove the
// task a benchmark relies on; only DEVELOPMENT containers can change config.
func (d *DB) checkContainerStillUsable(ctx context.Context, c conn, old, next *medperf.Container) error {
	if bytes.Equal(compact(old.Config), compact(next.Config)) {
		return nil
	}
	n, err := c.count(ctx, `SELECT COUNT(*) FROM benchmarks WHERE preparator = ? OR reference_model = ? OR evaluator = ?`, old.ID, old.ID, old.ID)
	if err != nil {
		return err
	}
	if n > 0 {
		return &medperf.Error{Code: medperf.CodeConflict, Field: "config",
			Message: "the container is used by a benchmark; register a new container instead"}
	}
	return nil
}
