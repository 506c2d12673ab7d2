package medperf

import "encoding/json"

// Dataset is a registered dataset. Its data never leaves its site: the
// registry holds hashes, the statistics and a preparation report.
type Dataset struct {
	Common
	Name        string `json:"name"`
	Description string `json:"description"`
	Location    string `json:"location"`
	// InputDataHash is the hash of the raw data and labels.
	InputDataHash string `json:"input_data_hash"`
	// GeneratedUID is the hash of the prepared data and labels; unique among
	// OPERATION datasets.
	GeneratedUID             string `json:"generated_uid"`
	DataPreparationContainer int64  `json:"data_preparation_mlcube"`
	// GeneratedMetadata holds the statistics, visible to every user.
	GeneratedMetadata json.RawMessage `json:"generated_metadata,omitempty"`
	// Report is the preparation progress, visible only to the dataset's
	// owner, the preparator's owner and admins; others get it empty.
	Report json.RawMessage `json:"report,omitempty"`
	State  State           `json:"state"`
}

// DatasetInput is the writable part of a dataset, for creation.
type DatasetInput struct {
	Name                     string          `json:"name"`
	Description              string          `json:"description"`
	Location                 string          `json:"location"`
	InputDataHash            string          `json:"input_data_hash"`
	GeneratedUID             string          `json:"generated_uid,omitempty"`
	DataPreparationContainer int64           `json:"data_preparation_mlcube"`
	GeneratedMetadata        json.RawMessage `json:"generated_metadata,omitempty"`
	Report                   json.RawMessage `json:"report,omitempty"`
	State                    State           `json:"state,omitempty"`
	Metadata                 json.RawMessage `json:"metadata,omitempty"`
	UserMetadata             json.RawMessage `json:"user_metadata,omitempty"`
}

// DatasetPatch lists the fields a PATCH may change; nil means unchanged.
type DatasetPatch struct {
	Name                     *string          `json:"name,omitempty"`
	Description              *string          `json:"description,omitempty"`
	Location                 *string          `json:"location,omitempty"`
	InputDataHash            *string          `json:"input_data_hash,omitempty"`
	GeneratedUID             *string          `json:"generated_uid,omitempty"`
	DataPreparationContainer *int64           `json:"data_preparation_mlcube,omitempty"`
	GeneratedMetadata        *json.RawMessage `json:"generated_metadata,omitempty"`
	Report                   *json.RawMessage `json:"report,omitempty"`
	State                    *State           `json:"state,omitempty"`
	IsValid                  *bool            `json:"is_valid,omitempty"`
	Metadata                 *json.RawMessage `json:"metadata,omitempty"`
	UserMetadata             *json.RawMessage `json:"user_metadata,omitempty"`
}

// Fields returns the JSON names of the fields p sets.
func (p DatasetPatch) Fields() []string {
	return setFields(map[string]bool{
		"name": p.Name != nil, "description": p.Description != nil, "location": p.Location != nil,
		"input_data_hash": p.InputDataHash != nil, "generated_uid": p.GeneratedUID != nil,
		"data_preparation_mlcube": p.DataPreparationContainer != nil,
		"generated_metadata":      p.GeneratedMetadata != nil, "report": p.Report != nil,
		"state": p.State != nil, "is_valid": p.IsValid != nil, "metadata": p.Metadata != nil,
		"user_metadata": p.UserMetadata != nil,
	})
}

// Apply returns d with the fields of p applied, without checking them.
func (p DatasetPatch) Apply(d Dataset) Dataset {
	set(&d.Name, p.Name)
	set(&d.Description, p.Description)
	set(&d.Location, p.Location)
	set(&d.InputDataHash, p.InputDataHash)
	set(&d.GeneratedUID, p.GeneratedUID)
	set(&d.DataPreparationContainer, p.DataPreparationContainer)
	set(&d.GeneratedMetadata, p.GeneratedMetadata)
	set(&d.Report, p.Report)
	set(&d.State, p.State)
	set(&d.IsValid, p.IsValid)
	set(&d.Metadata, p.Metadata)
	set(&d.UserMetadata, p.UserMetadata)
	return d
}

// Input returns the writable fields of d.
func (d Dataset) Input() DatasetInput {
	return DatasetInput{
		Name: d.Name, Description: d.Description, Location: d.Location, InputDataHash: d.InputDataHash,
		GeneratedUID: d.GeneratedUID, DataPreparationContainer: d.DataPreparationContainer,
		GeneratedMetadata: d.GeneratedMetadata, Report: d.Report, State: d.State,
		Metadata: d.Metadata, UserMetadata: d.UserMetadata,
	}
}

// Validate checks a dataset's own fields and fills the default state. A
// dataset in OPERATION must have its prepared hash (generated_uid).
func (in *DatasetInput) Validate() error {
	checks := []error{
		requireText("name", in.Name, maxName),
		limitText("description", in.Description, maxText),
		limitText("location", in.Location, maxText),
		checkSHA256("input_data_hash", in.InputDataHash),
		validJSONObject("generated_metadata", in.GeneratedMetadata),
		validJSONObject("report", in.Report),
		validJSONObject("metadata", in.Metadata),
		validJSONObject("user_metadata", in.UserMetadata),
	}
	for _, err := range checks {
		if err != nil {
			return err
		}
	}
	if in.GeneratedUID != "" {
		if err := checkSHA256("generated_uid", in.GeneratedUID); err != nil {
			return err
		}
	}
	if in.DataPreparationContainer <= 0 {
		return FieldError("data_preparation_mlcube", "is required (the id of the preparator container)")
	}
	if in.State == "" {
		in.State = StateDevelopment
	}
	if !in.State.Valid() {
		return FieldError("state", "must be DEVELOPMENT or OPERATION")
	}
	if in.State == StateOperation && in.GeneratedUID == "" {
		return FieldError("generated_uid", "is required for a dataset in OPERATION (prepare the dataset first)")
	}
	return nil
}

// CanSeeReport reports whether a caller may read a dataset's preparation
// report: the dataset's owner, the preparator's owner, or an admin.
func CanSeeReport(caller *User, datasetOwner, preparatorOwner int64) bool {
	return caller != nil && (caller.IsAdmin || caller.ID == datasetOwner || caller.ID == preparatorOwner)
}

// DatasetFilter selects datasets in a list; zero fields do not filter.
type DatasetFilter struct {
	Owner        int64
	State        State
	Preparator   int64
	GeneratedUID string
	Page
}
