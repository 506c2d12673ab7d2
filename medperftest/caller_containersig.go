package medperftest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

func (a asCaller) SignContainer(ctx context.Context, id int64, envelope json.RawMessage) (*medperf.Container, error) {
	return a.s.SignContainer(a.c(ctx), id, envelope)
}

// SignContainer returns an envelope signed by id over in's image digest,
// config, parameters and additional files, as `container submit` makes it.
func SignContainer(tb testing.TB, id *trust.Identity, in medperf.ContainerInput) json.RawMessage {
	tb.Helper()
	st := Must[*trust.Statement](tb)(trust.NewContainerStatement(trust.ContainerPredicateOf(in.Name, in.ImageHash, in.Config,
		in.Parameters, in.AdditionalFilesHash, "test", time.Now())))
	env := Must[*trust.Envelope](tb)(trust.SignStatement(context.Background(), st, id))
	return Must[[]byte](tb)(trust.MarshalEnvelope(env))
}
