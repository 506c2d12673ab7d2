package site

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// ContainerSubmission is a container to register, as files on disk.
type ContainerSubmission struct {
	Name string
	// ConfigFile is a container_config.yaml or a legacy mlcube.yaml;
	// ParametersFile, when set, its parameters.yaml.
	ConfigFile, ParametersFile string
	// AdditionalFilesURL is the http(s) URL of a tar.gz of additional files.
	AdditionalFilesURL string
	// AdditionalFilesHash and ImageHash, when set, must match what is
	// computed here.
	AdditionalFilesHash, ImageHash string
	// Model requires an infer task.
	Model bool
	// Development registers it in DEVELOPMENT instead of OPERATION.
	Development bool
	// DecryptionKey, for an encrypted container type, is the owner's
	// secret: it must decrypt the image (a local file, or the URL's file,
	// downloaded) or nothing is registered. It is not sent.
	DecryptionKey cube.Secret
}

// SubmitContainer computes the container's hashes on this machine, checks
// any given, and registers it: the image id from ImageID for a DockerImage,
// the sha256 of the file for archives and SIF files, the sha256 of the
// downloaded additional files. With a Signer, the container is registered
// signed by it (see SignContainer).
func (s *Site) SubmitContainer(ctx context.Context, in ContainerSubmission) (*medperf.Container, error) {
	ci, err := s.containerInput(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := s.signContainerInput(ctx, ci); err != nil {
		return nil, err
	}
	return s.Registry.CreateContainer(ctx, *ci)
}

func (s *Site) containerInput(ctx context.Context, in ContainerSubmission) (*medperf.ContainerInput, error) {
	if in.Name == "" || in.ConfigFile == "" {
		return nil, medperf.FieldError("-n/-m", "the name (-n) and the container config (-m) are required")
	}
	cfg, err := cube.ReadConfig(in.ConfigFile)
	if err != nil {
		return nil, err
	}
	if _, ok := cfg.Tasks[cube.TaskInfer]; in.Model && !ok {
		return nil, medperf.FieldError("-m", "a model's container must have an infer task")
	}
	ci := &medperf.ContainerInput{Name: in.Name, State: medperf.StateOperation}
	if in.Development {
		ci.State = medperf.StateDevelopment
	}
	if ci.Config, err = YAMLFileJSON(in.ConfigFile, "-m"); err != nil {
		return nil, err
	}
	if in.ParametersFile != "" {
		if ci.Parameters, err = YAMLFileJSON(in.ParametersFile, "-p"); err != nil {
			return nil, err
		}
	}
	if ci.ImageHash, err = s.imageHash(ctx, cfg, in.ImageHash); err != nil {
		return nil, err
	}
	if len(in.DecryptionKey) > 0 {
		if err := s.checkKeyDecrypts(ctx, cfg, imageSource(cfg), ci.ImageHash, in.DecryptionKey); err != nil {
			return nil, err
		}
	}
	if err := s.hashAdditionalFiles(ctx, in, ci); err != nil {
		return nil, err
	}
	return ci, nil
}

// hashAdditionalFiles downloads the submission's additional files, if
// any, and sets their URL and hash in ci.
func (s *Site) hashAdditionalFiles(ctx context.Context, in ContainerSubmission, ci *medperf.ContainerInput) error {
	if in.AdditionalFilesURL == "" {
		if in.AdditionalFilesHash != "" {
			return medperf.FieldError("--additional-hash", "needs -a (the tarball's URL)")
		}
		return nil
	}
	if !cube.IsURL(in.AdditionalFilesURL) {
		return medperf.FieldError("-a", "the additional files must be hosted at an http(s) URL that data owners can download")
	}
	s.progress("downloading the additional files to hash them ...")
	_, sum, err := cube.FetchFile(s.fetchContext(ctx, true), s.HTTP, in.AdditionalFilesURL, in.AdditionalFilesHash, s.path(filesDir, "downloads"), "additional files tarball")
	if err != nil {
		return err
	}
	ci.AdditionalFilesURL, ci.AdditionalFilesHash = in.AdditionalFilesURL, sum
	return nil
}

// YAMLFileJSON reads a YAML mapping file and returns it as a JSON object;
// flag names the file in errors.
func YAMLFileJSON(file, flag string) (json.RawMessage, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, medperf.FieldError(flag, "cannot read the file: %v", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, medperf.FieldError(flag, "not a YAML mapping: %v", err)
	}
	if len(doc.Content) == 0 {
		return json.RawMessage("{}"), nil
	}
	if doc.Content[0].Kind != yaml.MappingNode {
		return nil, medperf.FieldError(flag, "not a YAML mapping (line %d)", doc.Content[0].Line)
	}
	out, err := orderedJSON(&doc)
	if err != nil {
		return nil, medperf.FieldError(flag, "cannot be stored as JSON: %v", err)
	}
	return out, nil
}

// engineImageID returns the 64 hex digits of the local engine's id of image,
// or "" when there is no engine (ImageID nil) or the engine has no such
// image (CodeNotFound): a registry image need not be pulled to be
// registered with a given hash. Any other failure of the engine is returned,
// so that an engine that cannot answer never passes for one without the
// image.
func (s *Site) engineImageID(ctx context.Context, image string) (string, error) {
	if s.ImageID == nil {
		return "", nil
	}
	id, err := s.ImageID(ctx, image)
	switch code := medperf.ErrorCode(err); code {
	case "":
	case medperf.CodeNotFound:
		return "", nil
	default:
		if code == medperf.CodeInternal { // an engine error that says nothing more
			code = medperf.CodeUnavailable
		}
		return "", &medperf.Error{Code: code,
			Message: fmt.Sprintf("cannot read the id of image %s from the local container engine: %s; start the engine (or set DOCKER_HOST), then submit again", image, medperf.ErrorMessage(err)), Err: err}
	}
	n, err := cube.NormalizeHash(id)
	if err != nil {
		return "", medperf.Errorf(medperf.CodeUnavailable, "the local container engine gave image %s the id %q, which is not a sha256", image, id)
	}
	return n, nil
}

// imageHash computes the image identity and checks it against want.
func (s *Site) imageHash(ctx context.Context, cfg *cube.Config, want string) (string, error) {
	if want != "" {
		n, err := cube.NormalizeHash(want)
		if err != nil {
			return "", medperf.FieldError("--image-hash", "%q is not a sha256", want)
		}
		want = n
	}
	var got string
	if cfg.Type == cube.DockerImage {
		id, err := s.engineImageID(ctx, cfg.Image)
		if err != nil {
			return "", err
		}
		if id == "" {
			if want != "" {
				return "sha256:" + want, nil // the runtime checks it before every run
			}
			return "", medperf.Errorf(medperf.CodeUnavailable, "cannot read the id of image %s: it is not in the local container engine (or none is used) and no --image-hash is given; build, pull or load the image, or give --image-hash", cfg.Image)
		}
		got = id
	} else {
		src := imageSource(cfg)
		if cube.IsURL(src) {
			if want == "" {
				return "", medperf.FieldError("--image-hash", "give the hash of the image file at %s with --image-hash", src)
			}
			return "sha256:" + want, nil // every site checks it before use
		}
		sum, err := cube.FileSHA256(src)
		if err != nil {
			return "", medperf.FieldError("-m", "cannot hash the image file: %v", err)
		}
		got = sum
	}
	if want != "" && want != got {
		return "", medperf.Errorf(medperf.CodeInvalid, "hash mismatch: the image has hash %s, not the given %s", got, want)
	}
	return "sha256:" + got, nil
}

// imageSource returns where the image file of an archive or SIF config
// is: its URL, or its path (relative paths sit beside the config).
func imageSource(cfg *cube.Config) string {
	src := cfg.Image
	if !filepath.IsAbs(src) && !cube.IsURL(src) {
		src = filepath.Join(filepath.Dir(cfg.Path), src)
	}
	return src
}
