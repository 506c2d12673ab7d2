package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/docker/docker/client"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
	mpclient "github.com/medperf/medperf/client"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/cube"
)

// containerSubmitFlags are the flags of `container submit` and `model submit`.
type containerSubmitFlags struct {
	name, config, params, additional, additionalHash, imageHash string
	development                                                 bool
}

func newContainerSubmitCmd(e *env, model bool) *cobra.Command {
	what := "container"
	if model {
		what = "model (a container with an infer task)"
	}
	f := &containerSubmitFlags{}
	c := &cobra.Command{
		Use:   "submit -n NAME -m container_config.yaml [-p parameters.yaml] [-a URL] [--additional-hash H] [--image-hash H]",
		Short: "Register a " + what + "; its hashes are computed locally and any given are checked",
		Long: "Registers a " + what + ". The image hash is computed here: the local engine's image id for a DockerImage\n" +
			"(build or load the image first), the sha256 of the file for archives and SIF files. The additional files\n" +
			"tarball (-a, an http(s) URL) is downloaded and hashed. A given --image-hash or --additional-hash must match.",
		Args: cobra.NoArgs,
	}
	fl := c.Flags()
	fl.StringVarP(&f.name, "name", "n", "", "unique name (required)")
	fl.StringVarP(&f.config, "container-config", "m", "", "container_config.yaml or mlcube.yaml (required)")
	fl.StringVarP(&f.params, "parameters-file", "p", "", "parameters.yaml, stored inline")
	fl.StringVarP(&f.additional, "additional-files", "a", "", "http(s) URL of a tar.gz of additional files (e.g. weights)")
	fl.StringVar(&f.additionalHash, "additional-hash", "", "sha256 the additional files tarball must have")
	fl.StringVar(&f.imageHash, "image-hash", "", "image identity it must have (image id, digest or file sha256)")
	fl.BoolVar(&f.development, "development", false, "register in DEVELOPMENT instead of OPERATION")
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		ctx, stop := interruptible(c)
		defer stop()
		in, err := f.input(ctx, e, model)
		if err != nil {
			return err
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		ct, err := cl.CreateContainer(ctx, *in)
		if err != nil {
			return err
		}
		return render(e.stdout, *out, ct, kvTable(ct))
	}
	return c
}

func (f *containerSubmitFlags) input(ctx context.Context, e *env, model bool) (*medperf.ContainerInput, error) {
	if f.name == "" || f.config == "" {
		return nil, medperf.FieldError("-n/-m", "the name (-n) and the container config (-m) are required")
	}
	cfg, err := cube.ReadConfig(f.config)
	if err != nil {
		return nil, err
	}
	if _, ok := cfg.Tasks[cube.TaskInfer]; model && !ok {
		return nil, medperf.FieldError("-m", "a model's container must have an infer task")
	}
	in := &medperf.ContainerInput{Name: f.name, State: medperf.StateOperation}
	if f.development {
		in.State = medperf.StateDevelopment
	}
	if in.Config, err = yamlFileJSON(f.config, "-m"); err != nil {
		return nil, err
	}
	if f.params != "" {
		if in.Parameters, err = yamlFileJSON(f.params, "-p"); err != nil {
			return nil, err
		}
	}
	if in.ImageHash, err = imageHash(ctx, cfg, f.imageHash, e); err != nil {
		return nil, err
	}
	if f.additional != "" {
		if !cube.IsURL(f.additional) {
			return nil, medperf.FieldError("-a", "the additional files must be hosted at an http(s) URL that data owners can download")
		}
		home, err := config.Home(os.Getenv)
		if err != nil {
			return nil, err
		}
		_, sum, err := cube.FetchFile(ctx, nil, f.additional, f.additionalHash, filepath.Join(home, "cache", "submit"), "additional files tarball")
		if err != nil {
			return nil, err
		}
		in.AdditionalFilesURL, in.AdditionalFilesHash = f.additional, sum
	} else if f.additionalHash != "" {
		return nil, medperf.FieldError("--additional-hash", "needs -a (the tarball's URL)")
	}
	return in, nil
}

// yamlFileJSON reads a YAML mapping file and returns it as JSON.
func yamlFileJSON(file, flag string) (json.RawMessage, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, medperf.FieldError(flag, "cannot read the file: %v", err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, medperf.FieldError(flag, "not a YAML mapping: %v", err)
	}
	if v == nil {
		v = map[string]any{}
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, medperf.FieldError(flag, "cannot be stored as JSON: %v", err)
	}
	return out, nil
}

// imageHash computes the image identity and checks it against want.
func imageHash(ctx context.Context, cfg *cube.Config, want string, e *env) (string, error) {
	if want != "" {
		n, err := cube.NormalizeHash(want)
		if err != nil {
			return "", medperf.FieldError("--image-hash", "%q is not a sha256", want)
		}
		want = n
	}
	var got string
	if cfg.Type == cube.DockerImage {
		dc, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if err == nil {
			defer dc.Close()
			info, ierr := dc.ImageInspect(ctx, cfg.Image)
			if ierr == nil {
				got = strings.TrimPrefix(info.ID, "sha256:")
			}
		}
		if got == "" {
			if want != "" {
				return "sha256:" + want, nil // the engine will check it before every run
			}
			return "", medperf.Errorf(medperf.CodeUnavailable, "cannot read the id of image %s from the local engine: build or load the image, or give --image-hash", cfg.Image)
		}
	} else {
		src := cfg.Image
		if !filepath.IsAbs(src) && !cube.IsURL(src) {
			src = filepath.Join(filepath.Dir(cfg.Path), src)
		}
		if cube.IsURL(src) {
			return "", medperf.FieldError("--image-hash", "give the hash of the image file at %s with --image-hash", src)
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

func listContainers(e *env, model bool) *cobra.Command {
	summary := "List registered containers"
	if model {
		summary = "List registered models"
	}
	c := &cobra.Command{Use: "ls", Short: summary, Args: cobra.NoArgs}
	mine := c.Flags().Bool("mine", false, "only mine")
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		cl, err := e.registry()
		if err != nil {
			return err
		}
		f := medperf.ContainerFilter{Page: medperf.Page{Limit: medperf.MaxPageSize}}
		if model {
			f.IsModel = ptr(true)
		}
		if *mine {
			me, err := cl.Me(c.Context())
			if err != nil {
				return err
			}
			f.Owner = me.ID
		}
		l, err := cl.ListContainers(c.Context(), f)
		if err != nil {
			return err
		}
		return render(e.stdout, *out, l.Items, func() table {
			t := table{header: []string{"ID", "NAME", "STATE", "MODEL", "OWNER", "IMAGE HASH"}}
			for _, x := range l.Items {
				t.rows = append(t.rows, []string{id(x.ID), x.Name, string(x.State), cell(x.IsModel), id(x.Owner), short(x.ImageHash)})
			}
			return t
		})
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func viewContainer(e *env) *cobra.Command {
	return viewCmd(e, "container", func(ctx context.Context, cl *mpclient.Client, n int64) (any, error) {
		return cl.GetContainer(ctx, n)
	})
}
