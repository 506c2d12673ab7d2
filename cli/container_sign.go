package cli

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	mpclient "github.com/medperf/medperf/client"
	"github.com/medperf/medperf/site"
)

// newContainerSignCmd is `medperf container sign ID`: the owner signs a
// container registered earlier (or unsigned, or signed with a key since
// revoked) with the key in $MEDPERF_HOME/keys.
func newContainerSignCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "sign ID",
		Short: "Sign a container you registered with your key, so that sites requiring signed containers run it",
		Long: "Signs the registered container ID with $MEDPERF_HOME/keys/id_ed25519 ('medperf keys create'): an in-toto\n" +
			"statement over its image digest, config, parameters and additional files in a DSSE envelope (docs/trust.md).\n" +
			"The registry checks it against your registered keys and serves it with the container; only the owner signs.",
		Args: cobra.ExactArgs(1),
	}
	out := outputFlag(c)
	c.RunE = func(c *cobra.Command, args []string) error {
		id, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || id <= 0 {
			return medperf.FieldError("ID", "%q is not an id", args[0])
		}
		key, err := siteSigner()
		if err != nil {
			return err
		}
		if key == nil {
			return &medperf.Error{Code: medperf.CodeNotFound, Field: "key", Message: "no signing key: run 'medperf keys create' first"}
		}
		cl, err := e.registry()
		if err != nil {
			return err
		}
		ct, err := cl.GetContainer(c.Context(), id)
		if err != nil {
			return err
		}
		in := ct.Input()
		env, err := site.SignContainer(c.Context(), key, &in, buildVersion().Version)
		if err != nil {
			return err
		}
		if ct, err = cl.SignContainer(c.Context(), id, env); err != nil {
			return err
		}
		return e.changed(*out, ct, containerTable(c.Context(), cl, ct))
	}
	return c
}

// containerTable is a container's key-value table with a "signed" row that
// says whether this machine verifies its owner's signature, and by which
// key (site.ContainerSignature), instead of the raw envelope.
func containerTable(ctx context.Context, cl *mpclient.Client, ct *medperf.Container) func() table {
	return func() table {
		view := *ct
		view.Envelope = nil
		t := kvTableNamed(view, newNames(ctx, cl))()
		t.rows = append(t.rows, []string{"signed", signedWords(ctx, cl, ct)})
		return t
	}
}

// signedWords says whether ct's signature verifies here.
func signedWords(ctx context.Context, cl *mpclient.Client, ct *medperf.Container) string {
	fp, problem, err := (&site.Site{Registry: cl}).ContainerSignature(ctx, ct)
	switch {
	case err != nil:
		return "unknown: " + medperf.ErrorMessage(err)
	case fp != "":
		return "yes, by " + fp + " (verified against the owner's registered keys)"
	case problem != "":
		return "no: the signature does not verify (" + problem + ")"
	}
	return "no"
}
