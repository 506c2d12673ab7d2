package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	mpclient "github.com/medperf/medperf/client"
	"github.com/medperf/medperf/config"
	"github.com/medperf/medperf/cube/docker"
	"github.com/medperf/medperf/site"
)

// containerSubmitFlags are the flags of `container submit` and `model submit`.
type containerSubmitFlags struct {
	name, config, params, additional, additionalHash, imageHash string
	development                                                 bool
	decryptionKey                                               string
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
	addDecryptionKeyFlag(c, &f.decryptionKey, "for an encrypted image: the secret file it was encrypted with (secret.bin); checked to decrypt the image, never sent, and a copy kept in MEDPERF_HOME/keys/containers for the access grants")
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, _ []string) error {
		ctx, stop := interruptible(c)
		defer stop()
		s, err := e.openSite(ctx, &siteFlags{}, *out)
		if err != nil {
			return err
		}
		s.ImageID = imageID
		key, err := readDecryptionKey(f.decryptionKey, e.stderr)
		if err != nil {
			return err
		}
		ct, err := s.SubmitContainer(ctx, site.ContainerSubmission{Name: f.name, ConfigFile: f.config, ParametersFile: f.params,
			AdditionalFilesURL: f.additional, AdditionalFilesHash: f.additionalHash, ImageHash: f.imageHash, Model: model, Development: f.development,
			DecryptionKey: key})
		if err != nil {
			return err
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		if err := keepContainerKey(e, cl.URL(), ct.ID, key); err != nil {
			return err
		}
		return e.changed(*out, ct, containerTable(ctx, cl, ct))
	}
	return c
}

// imageID reads an image's id from the local Docker engine (DOCKER_HOST),
// with the error codes of docker.Dial and (*docker.Runtime).ImageID.
func imageID(ctx context.Context, ref string) (string, error) {
	dc, err := docker.Dial(ctx)
	if err != nil {
		return "", err
	}
	defer dc.Close()
	return dc.ImageID(ctx, ref)
}

func listContainers(e *env, model bool) *cobra.Command {
	summary := "List registered containers"
	if model {
		summary = "List registered models"
	}
	c := &cobra.Command{Use: "ls", Short: summary, Args: cobra.NoArgs}
	mine := c.Flags().Bool("mine", false, "only mine")
	lf := addListFilters(c)
	listCmd(e, c, func(ctx context.Context, cl *mpclient.Client, limit int) ([]medperf.Container, int, error) {
		f := medperf.ContainerFilter{Name: lf.name}
		if model {
			f.IsModel = ptr(true)
		}
		var err error
		if f.Owner, f.State, err = lf.resolve(ctx, cl, *mine); err != nil {
			return nil, 0, err
		}
		rows := clientSide(func(ctx context.Context, cl *mpclient.Client, limit int) ([]medperf.Container, int, error) {
			return mpclient.Collect(ctx, limit, func(ctx context.Context, p medperf.Page) (*medperf.List[medperf.Container], error) {
				f.Page = p
				return cl.ListContainers(ctx, f)
			})
		}, keeper(lf.keepCommon(true), func(x medperf.Container) (string, bool) { return x.Name, x.IsValid }))
		return rows(ctx, cl, limit)
	}, func(cs []medperf.Container) table {
		t := table{header: []string{"ID", "NAME", "STATE", "MODEL", "OWNER", "IMAGE HASH"}}
		for _, x := range cs {
			t.rows = append(t.rows, []string{id(x.ID), x.Name, string(x.State), cell(x.IsModel), e.names.user(x.Owner), short(x.ImageHash)})
		}
		return t
	})
	return c
}

func ptr[T any](v T) *T { return &v }

func viewContainer(e *env) *cobra.Command {
	c := &cobra.Command{Use: "view ID", Short: "Show one container, and whether its owner's signature verifies", Args: cobra.ExactArgs(1)}
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, args []string) error {
		n, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || n <= 0 {
			return medperf.FieldError("ID", "%q is not an id", args[0])
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		ct, err := cl.GetContainer(c.Context(), n)
		if err != nil {
			return err
		}
		return render(e.stdout, *out, ct, containerTable(c.Context(), cl, ct))
	}
	return c
}

// ownerFilter returns the caller's id for the --mine flag of list commands,
// and 0 (any owner) without it.
func ownerFilter(ctx context.Context, cl *mpclient.Client, mine bool) (int64, error) {
	if !mine {
		return 0, nil
	}
	me, err := cl.Me(ctx)
	if err != nil {
		return 0, err
	}
	return me.ID, nil
}

// keepContainerKey stores the owner's copy of the key of a container
// registered on server (site.ContainerKeyPath under MEDPERF_HOME), where
// the grant commands find it; nil key keeps nothing.
func keepContainerKey(e *env, server string, id int64, key []byte) error {
	if key == nil {
		return nil
	}
	home, err := config.Home(os.Getenv)
	if err != nil {
		return err
	}
	if err := site.StoreContainerKey(home, server, id, key); err != nil {
		return &medperf.Error{Code: medperf.ErrorCode(err), Err: err, Message: fmt.Sprintf(
			"container %d is registered, but its decryption key could not be kept: %s; keep your key file safe: the access grants need it", id, medperf.ErrorMessage(err))}
	}
	fmt.Fprintf(e.stderr, "kept a copy of the decryption key at %s (mode 0600) for the access grants\n", site.ContainerKeyPath(home, server, id))
	return nil
}
