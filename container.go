package medperf

import (
	"encoding/json"
	"regexp"
	"slices"
)

// Container is a registered container ("cube"): its whole configuration
// (container_config.yaml or a legacy mlcube.yaml, as JSON) and its
// parameters file are stored inline.
type Container struct {
	Common
	Name       string          `json:"name"`
	Config     json.RawMessage `json:"config"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
	// ImageHash identifies the image: a registry manifest digest, or the
	// sha256 of an archive or SIF file.
	ImageHash string `json:"image_hash"`
	// AdditionalFilesURL and AdditionalFilesHash locate and verify a tar.gz
	// of extra files (e.g. model weights); both or neither are set.
	AdditionalFilesURL  string `json:"additional_files_tarball_url,omitempty"`
	AdditionalFilesHash string `json:"additional_files_tarball_hash,omitempty"`
	State               State  `json:"state"`
	// Tasks lists the task names of Config, sorted; derived, never sent.
	Tasks []string `json:"tasks"`
	// IsModel reports whether Config has an infer task; derived.
	IsModel bool `json:"is_model"`
	// Envelope is the owner's signature of the container (docs/trust.md):
	// a DSSE envelope of an in-toto statement whose subjects are the image
	// digest and the config's hash, verified by the registry against the
	// owner's registered keys when it was stored; nil when unsigned.
	// SignedBy is the fingerprint of the key that signed it. A site checks
	// the envelope again, against the owner's keys and the hashes it runs.
	// GetContainer fills both; lists leave them out.
	Envelope json.RawMessage `json:"envelope,omitempty"`
	SignedBy string          `json:"signed_by,omitempty"`
}

// Task names the registry knows a container by.
const (
	TaskPrepare  = "prepare"
	TaskInfer    = "infer"
	TaskEvaluate = "evaluate"
)

// ContainerInput is the writable part of a container, for creation.
type ContainerInput struct {
	Name                string          `json:"name"`
	Config              json.RawMessage `json:"config"`
	Parameters          json.RawMessage `json:"parameters,omitempty"`
	ImageHash           string          `json:"image_hash"`
	AdditionalFilesURL  string          `json:"additional_files_tarball_url,omitempty"`
	AdditionalFilesHash string          `json:"additional_files_tarball_hash,omitempty"`
	State               State           `json:"state,omitempty"`
	Metadata            json.RawMessage `json:"metadata,omitempty"`
	UserMetadata        json.RawMessage `json:"user_metadata,omitempty"`
	// Envelope, when set, is the owner's signature of the container (see
	// Container.Envelope); the registry refuses one that does not verify.
	Envelope json.RawMessage `json:"envelope,omitempty"`
}

// ContainerSignature is the body that signs a registered container (PUT
// /containers/{id}/signature): the owner's envelope, as in
// ContainerInput.Envelope.
type ContainerSignature struct {
	Envelope json.RawMessage `json:"envelope"`
}

// ContainerPatch lists the fields a PATCH may change; nil means unchanged.
type ContainerPatch struct {
	Name                *string          `json:"name,omitempty"`
	Config              *json.RawMessage `json:"config,omitempty"`
	Parameters          *json.RawMessage `json:"parameters,omitempty"`
	ImageHash           *string          `json:"image_hash,omitempty"`
	AdditionalFilesURL  *string          `json:"additional_files_tarball_url,omitempty"`
	AdditionalFilesHash *string          `json:"additional_files_tarball_hash,omitempty"`
	State               *State           `json:"state,omitempty"`
	IsValid             *bool            `json:"is_valid,omitempty"`
	Metadata            *json.RawMessage `json:"metadata,omitempty"`
	UserMetadata        *json.RawMessage `json:"user_metadata,omitempty"`
}

// Fields returns the JSON names of the fields p sets.
func (p ContainerPatch) Fields() []string {
	return setFields(map[string]bool{
		"name": p.Name != nil, "config": p.Config != nil, "parameters": p.Parameters != nil,
		"image_hash": p.ImageHash != nil, "additional_files_tarball_url": p.AdditionalFilesURL != nil,
		"additional_files_tarball_hash": p.AdditionalFilesHash != nil, "state": p.State != nil,
		"is_valid": p.IsValid != nil, "metadata": p.Metadata != nil, "user_metadata": p.UserMetadata != nil,
	})
}

// Apply returns c with the fields of p applied, without checking them.
func (p ContainerPatch) Apply(c Container) Container {
	set(&c.Name, p.Name)
	set(&c.Config, p.Config)
	set(&c.Parameters, p.Parameters)
	set(&c.ImageHash, p.ImageHash)
	set(&c.AdditionalFilesURL, p.AdditionalFilesURL)
	set(&c.AdditionalFilesHash, p.AdditionalFilesHash)
	set(&c.State, p.State)
	set(&c.IsValid, p.IsValid)
	set(&c.Metadata, p.Metadata)
	set(&c.UserMetadata, p.UserMetadata)
	return c
}

// Input returns the writable fields of c.
func (c Container) Input() ContainerInput {
	return ContainerInput{
		Name: c.Name, Config: c.Config, Parameters: c.Parameters, ImageHash: c.ImageHash,
		AdditionalFilesURL: c.AdditionalFilesURL, AdditionalFilesHash: c.AdditionalFilesHash,
		State: c.State, Metadata: c.Metadata, UserMetadata: c.UserMetadata,
	}
}

var (
	namePattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 ._:/@+-]*$`)
	sha256Pattern = regexp.MustCompile(`^(sha256:)?[0-9a-f]{64}$`)
	// imageHashPattern is the one form of an image hash the sites check
	// (security finding 15): "sha256:" and 64 lowercase hex digits.
	imageHashPattern = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// Validate checks a container's fields and returns its task names.
func (in ContainerInput) Validate() ([]string, error) {
	if err := requireText("name", in.Name, maxName); err != nil {
		return nil, err
	}
	if !namePattern.MatchString(in.Name) {
		return nil, FieldError("name", "may hold letters, digits, spaces and ._:/@+- only")
	}
	tasks, err := ConfigTasks(in.Config)
	if err != nil {
		return nil, err
	}
	if err := checkImageLocation(in.Config); err != nil {
		return nil, err
	}
	if err := validJSONObject("parameters", in.Parameters); err != nil {
		return nil, err
	}
	if err := requireText("image_hash", in.ImageHash, maxName); err != nil {
		return nil, err
	}
	if !imageHashPattern.MatchString(in.ImageHash) {
		return nil, FieldError("image_hash", "must be sha256: followed by 64 lowercase hex digits")
	}
	if (in.AdditionalFilesURL == "") != (in.AdditionalFilesHash == "") {
		return nil, FieldError("additional_files_tarball_hash", "additional_files_tarball_url and additional_files_tarball_hash go together: give both or neither")
	}
	if in.AdditionalFilesURL != "" {
		if err := checkURL("additional_files_tarball_url", in.AdditionalFilesURL); err != nil {
			return nil, err
		}
		if err := checkSHA256("additional_files_tarball_hash", in.AdditionalFilesHash); err != nil {
			return nil, err
		}
	}
	if in.State != "" && !in.State.Valid() {
		return nil, FieldError("state", "must be DEVELOPMENT or OPERATION")
	}
	if err := validJSONObject("metadata", in.Metadata); err != nil {
		return nil, err
	}
	return tasks, validJSONObject("user_metadata", in.UserMetadata)
}

// ConfigTasks returns the sorted task names of a container config given as
// JSON: an object with a "tasks" object of at least one task.
func ConfigTasks(config json.RawMessage) ([]string, error) {
	if len(config) == 0 || string(config) == "null" {
		return nil, FieldError("config", "is required")
	}
	if err := CheckJSONBounds("config", config); err != nil {
		return nil, err
	}
	var c struct {
		Tasks map[string]json.RawMessage `json:"tasks"`
	}
	if err := json.Unmarshal(config, &c); err != nil {
		return nil, FieldError("config", "must be a JSON object with a tasks object")
	}
	if len(c.Tasks) == 0 {
		return nil, FieldError("config.tasks", "must name at least one task")
	}
	tasks := make([]string, 0, len(c.Tasks))
	for t := range c.Tasks {
		tasks = append(tasks, t)
	}
	slices.Sort(tasks)
	return tasks, nil
}

// fileImageTypes are the container types whose image is a file that sites
// download (an image archive or a SIF file).
var fileImageTypes = []string{"DockerArchive", "SingularityFile", "EncryptedDockerArchive", "EncryptedSingularityFile"}

// checkImageLocation refuses a config whose image is a file (see
// fileImageTypes) given as anything but an http(s) URL: every site fetches
// what the registry says, and a path would name a file of the site's own
// machine (/dev/zero, /etc/shadow). Registry references (DockerImage) and
// legacy mlcube.yaml configs are left to the sites' parser.
func checkImageLocation(config json.RawMessage) error {
	var c struct {
		Type  string `json:"container_type"`
		Image string `json:"image"`
	}
	if err := json.Unmarshal(config, &c); err != nil || !slices.Contains(fileImageTypes, c.Type) {
		return nil
	}
	if err := checkURL("config.image", c.Image); err != nil {
		return FieldError("config.image", "a %s image must be an http or https URL that sites can download, not %q", c.Type, c.Image)
	}
	return nil
}

// HasTask reports whether c's config declares the task.
func (c Container) HasTask(task string) bool { return slices.Contains(c.Tasks, task) }

// ContainerFilter selects containers in a list; zero fields do not filter.
type ContainerFilter struct {
	Owner   int64
	State   State
	IsModel *bool
	Name    string
	Page
}
