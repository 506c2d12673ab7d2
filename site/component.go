package site

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
	"github.com/medperf/medperf/cube/archive"
	"github.com/medperf/medperf/site/policy"
)

// Component is a container ready to run: its parsed config, its parameters
// file and its additional files on disk, and the image identity to check.
type Component struct {
	// ID is the registered container's id, 0 for a local config.
	ID              int64
	Name            string
	Config          *cube.Config
	ParametersFile  string
	AdditionalFiles string
	ImageHash       string
	// signature is what the site policy's unsigned_containers rule reads
	// about a registered component (set by Container when the site has a
	// policy); a local component is never signed.
	signature policy.Container
	// DecryptionKey is the secret of an encrypted container (see
	// Site.ModelKeys); nil for others, and for a local config, which
	// uses Site.DecryptionKey.
	DecryptionKey cube.Secret
}

// LocalComponent is a component from a container_config.yaml (or
// mlcube.yaml) on disk, for compatibility tests of unregistered containers.
// parameters and additional may be empty; additional is a folder.
func LocalComponent(config, parameters, additional string) (*Component, error) {
	cfg, err := cube.ReadConfig(config)
	if err != nil {
		return nil, err
	}
	return &Component{Name: filepath.Base(filepath.Dir(config)), Config: cfg, ParametersFile: parameters, AdditionalFiles: additional}, nil
}

// Container returns the registered container id as a runnable Component:
// its config and parameters are written under the container cache, its
// additional files are downloaded, verified and extracted (cached by hash).
// It is ContainerIn outside any benchmark: an encrypted container then runs
// only with --decryption-key or the owner's stored key.
func (s *Site) Container(ctx context.Context, id int64) (*Component, error) {
	return s.ContainerIn(ctx, 0, id)
}

// ContainerIn is Container for a run in benchmark benchmarkID, whose access
// grant gives an encrypted container's key (Site.ModelKeys).
func (s *Site) ContainerIn(ctx context.Context, benchmarkID, id int64) (*Component, error) {
	c, err := s.Registry.GetContainer(ctx, id)
	if err != nil {
		return nil, err
	}
	dir := s.path(containersDir, strconv.FormatInt(id, 10))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, storageError(err)
	}
	cfgFile := filepath.Join(dir, "container_config.json")
	if err := os.WriteFile(cfgFile, c.Config, 0o600); err != nil {
		return nil, storageError(err)
	}
	cfg, err := cube.ParseConfig(cfgFile, c.Config)
	if err != nil {
		return nil, err
	}
	if err := checkRegisteredLocations(c, cfg); err != nil {
		return nil, err
	}
	if err := s.checkURLPolicy(ctx, cfg.Image, c.AdditionalFilesURL); err != nil {
		return nil, err
	}
	// The key is asked before anything is downloaded: a site without
	// access fetches nothing.
	key, err := s.containerKey(ctx, benchmarkID, c, cfg)
	if err != nil {
		return nil, err
	}
	comp := &Component{ID: id, Name: c.Name, Config: cfg, ImageHash: c.ImageHash, DecryptionKey: key}
	if err := s.signatureFacts(ctx, c, &comp.signature); err != nil {
		return nil, err
	}
	if len(c.Parameters) > 0 {
		// Block YAML, keys in their registered order, as MedPerf writes it.
		params, err := ParametersYAML(c.Parameters)
		if err != nil {
			return nil, medperf.Errorf(medperf.CodeInvalid, "container %d: %v", id, err)
		}
		comp.ParametersFile = filepath.Join(dir, "parameters.yaml")
		if err := os.WriteFile(comp.ParametersFile, params, 0o600); err != nil {
			return nil, storageError(err)
		}
	}
	if c.AdditionalFilesURL != "" {
		s.progress("fetching the additional files of container %d", id)
		comp.AdditionalFiles, _, err = cube.FetchAdditionalFiles(s.fetchContext(ctx, true), s.HTTP, c.AdditionalFilesURL, c.AdditionalFilesHash, s.path(filesDir), archive.DefaultLimits)
		if err != nil {
			return nil, err
		}
	}
	return comp, nil
}

// run runs one task of comp with the mounts the task declares among
// mounts (keys the task does not have are left out), under the Site's limits
// and timeouts. Outputs are emptied first, so that a task killed half-way
// never leaves stale files behind a rerun.
func (s *Site) run(ctx context.Context, comp *Component, task string, mounts map[string]string) error {
	t, ok := comp.Config.Tasks[task]
	if !ok {
		return medperf.Errorf(medperf.CodeInvalid, "container %s has no %s task", comp.Name, task)
	}
	secret, err := s.componentKey(comp)
	if err != nil {
		return err
	}
	m := map[string]string{}
	for key, p := range mounts {
		if v, output, ok := t.Volume(key); ok {
			m[key] = p
			if output {
				if err := resetOutput(p, v.Type); err != nil {
					return err
				}
			}
		}
	}
	req := s.request(comp, t, m, secret)
	spec, err := cube.NewSpec(req)
	if err != nil {
		return err
	}
	if err := s.checkTaskPolicy(ctx, comp, task); err != nil {
		return err
	}
	for _, note := range spec.Notes {
		s.warn("%s: %s", comp.Name, note)
	}
	s.progress("%s: %s ...", comp.Name, task)
	start := time.Now()
	// A registered component's image archive is fetched by the runtime
	// under this context: never from a local path.
	err = s.Runtime.Run(s.fetchContext(ctx, comp.ID != 0), spec)
	// Containers write with their own umask; what they wrote under the
	// site's home is its user's only, whether the task succeeded or not.
	if perr := s.makeOutputsPrivate(t, m); err == nil {
		err = perr
	}
	if err != nil {
		s.progress("%s: %s failed after %s (log: %s)", comp.Name, task, time.Since(start).Round(time.Millisecond), req.LogFile)
		return err
	}
	s.progress("%s: %s done in %s", comp.Name, task, time.Since(start).Round(time.Millisecond))
	return nil
}

// checkTaskPolicy checks one task just before it starts: the container
// rules of the site policy, and the URL of an image archive the runtime
// would fetch.
func (s *Site) checkTaskPolicy(ctx context.Context, comp *Component, task string) error {
	pc := s.PolicyContainer(comp.Name, comp.Config, comp.ImageHash, task)
	pc.Signed, pc.SignedBy, pc.Unsigned = comp.signature.Signed, comp.signature.SignedBy, comp.signature.Unsigned
	if err := s.checkPolicy(policy.Action{Containers: []policy.Container{pc}}); err != nil {
		return err
	}
	return s.checkURLPolicy(ctx, comp.Config.Image)
}

// request is the cube.Request of task t of comp with mounts m, under the
// Site's limits and timeouts.
func (s *Site) request(comp *Component, t *cube.Task, m map[string]string, secret cube.Secret) cube.Request {
	req := cube.Request{
		Config: comp.Config, Task: t.Name, Mounts: m, ParametersFile: comp.ParametersFile,
		Limits: s.Options.Limits, Timeout: s.Options.Timeouts[t.Name], ImageHash: comp.ImageHash,
		ScratchRoot: s.path("tmp"), RunAsUID: s.Options.RunAsUID, Managed: []string{s.Home}, DecryptionKey: secret,
		LogFile: s.path(logsDir, fmt.Sprintf("%s-%s-%s.log", safeName(comp.Name), t.Name, time.Now().UTC().Format("20060102T150405.000"))),
	}
	if _, _, ok := t.Volume("additional_files"); ok && comp.AdditionalFiles != "" {
		req.AdditionalFiles = comp.AdditionalFiles
	}
	if s.Options.ShowTaskOutput && s.Out != nil {
		req.Stdout = s.Out
	}
	return req
}

func safeName(s string) string { return unsafeChars.ReplaceAllString(s, "_") }

// resetOutput empties an output path before a task writes it.
func resetOutput(p string, typ cube.VolumeType) error {
	if err := os.RemoveAll(p); err != nil {
		return storageError(err)
	}
	dir := p
	if typ == cube.VolumeFile {
		dir = filepath.Dir(p)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return storageError(err)
	}
	return nil
}

// makeOutputsPrivate removes group and other permissions from what the task
// wrote in its output mounts under the site's home.
func (s *Site) makeOutputsPrivate(t *cube.Task, mounts map[string]string) error {
	for key, p := range mounts {
		if _, output, ok := t.Volume(key); ok && output && within(s.Home, p) {
			if err := cube.MakePrivate(p); err != nil {
				return err
			}
		}
	}
	return nil
}
