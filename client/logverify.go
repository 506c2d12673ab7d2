package client

import (
	"context"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// LogReport is what VerifyLog checked when history checks out.
type LogReport struct {
	Server      string `json:"server"`
	Size        int64  `json:"size"`
	Root        string `json:"root"`
	Previous    int64  `json:"previous_size"`
	Leaves      int64  `json:"leaves_checked"`
	OwnResults  int    `json:"own_results_included"`
	Fingerprint string `json:"log_key"`
}

// rewritten is the error of a log whose history does not check.
func rewritten(format string, args ...any) error {
	return medperf.Errorf(medperf.CodeConflict, "HISTORY WAS REWRITTEN: "+format, args...)
}

// VerifyLog checks the server's transparency log as `medperf audit verify`
// does (docs/trust.md): the latest checkpoint against verifierKey (pinned at
// login), its consistency with lastCheckpoint (a signed note; "" on the
// first check), the root rebuilt from every leaf as the registry's rows are
// now, and each of the caller's signed results (signed by the caller's keys,
// the registered metrics the signed ones, included in the tree). It returns
// the report and the new checkpoint note, to keep for the next check. A
// history that does not check is CodeConflict whose message starts with
// "HISTORY WAS REWRITTEN".
func (cl *Client) VerifyLog(ctx context.Context, server, verifierKey, lastCheckpoint string) (LogReport, []byte, error) {
	note, err := cl.LogCheckpoint(ctx)
	if err != nil {
		return LogReport{}, nil, err
	}
	cp, err := trust.OpenCheckpoint(note, verifierKey)
	if err != nil {
		return LogReport{}, nil, &medperf.Error{Code: medperf.CodeConflict, Message: "the checkpoint is not signed by the log key pinned at login: " + medperf.ErrorMessage(err), Err: err}
	}
	rep := LogReport{Server: server, Size: cp.Size, Root: cp.Root.String()}
	if rep.Previous, err = checkConsistency(ctx, cl, verifierKey, lastCheckpoint, cp); err != nil {
		return rep, nil, err
	}
	leaves, err := checkLeaves(ctx, cl, cp)
	if err != nil {
		return rep, nil, err
	}
	rep.Leaves = int64(len(leaves))
	if rep.OwnResults, err = checkOwnResults(ctx, cl, cp, leaves); err != nil {
		return rep, nil, err
	}
	info, err := cl.LogKey(ctx)
	if err == nil {
		rep.Fingerprint = info.Fingerprint
	}
	return rep, note, nil
}

// checkConsistency checks the new checkpoint against the profile's last
// one and returns the last one's size.
func checkConsistency(ctx context.Context, cl *Client, verifierKey, lastCheckpoint string, cp trust.Checkpoint) (int64, error) {
	if lastCheckpoint == "" {
		return 0, nil
	}
	old, err := trust.OpenCheckpoint([]byte(lastCheckpoint), verifierKey)
	if err != nil {
		return 0, &medperf.Error{Code: medperf.CodeInvalid, Message: "the checkpoint kept in the profile does not open: " + medperf.ErrorMessage(err), Err: err}
	}
	if cp.Size < old.Size {
		return old.Size, rewritten("the log shrank from %d to %d leaves since you last looked", old.Size, cp.Size)
	}
	proof, err := cl.LogConsistency(ctx, old.Size, cp.Size)
	if err != nil {
		return old.Size, err
	}
	if err := trust.VerifyConsistency(proof, old.Size, old.Root, cp.Size, cp.Root); err != nil {
		return old.Size, rewritten("the log of %d leaves does not extend the one of %d leaves you saw last", cp.Size, old.Size)
	}
	return old.Size, nil
}

// checkLeaves fetches every leaf as the registry rebuilds it from its rows
// now, checks the bytes it shows against their hashes, and recomputes the
// checkpoint's root: an edited or deleted row changes it.
func checkLeaves(ctx context.Context, cl *Client, cp trust.Checkpoint) ([]trust.LeafEntry, error) {
	var all []trust.LeafEntry
	for start := int64(0); start < cp.Size; start += 1000 {
		page, err := cl.LogLeaves(ctx, start, min(1000, cp.Size-start))
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			return nil, rewritten("the registry serves no leaf %d of %d", start, cp.Size)
		}
		all = append(all, page...)
	}
	hashes := make([]trust.Hash, 0, len(all))
	for i, l := range all {
		if l.Index != int64(i) {
			return nil, rewritten("leaf %d is missing from the registry's list", i)
		}
		if l.Missing {
			return nil, rewritten("leaf %d (%s %d) was deleted from the registry's database", l.Index, l.Kind, l.RefID)
		}
		if l.Leaf != nil && trust.LeafHash(l.Leaf) != l.Hash {
			return nil, rewritten("leaf %d (%s %d) does not have the hash the registry gives it", l.Index, l.Kind, l.RefID)
		}
		hashes = append(hashes, l.Hash)
	}
	root, err := trust.RootOfLeafHashes(hashes[:cp.Size])
	if err != nil {
		return nil, err
	}
	if root != cp.Root {
		return nil, rewritten("the registry's rows rebuild a log whose root differs from its signed checkpoint: an audit event or a result was edited in its database")
	}
	return all[:cp.Size], nil
}

// checkOwnResults checks each of the caller's signed results: its envelope
// verifies against the caller's keys, its registered metrics are the
// signed ones, and its leaf is included in the checkpoint's tree.
func checkOwnResults(ctx context.Context, cl *Client, cp trust.Checkpoint, leaves []trust.LeafEntry) (int, error) {
	me, err := cl.Me(ctx)
	if err != nil {
		return 0, err
	}
	keys, err := myKeys(ctx, cl)
	if err != nil {
		return 0, err
	}
	index := map[int64]int64{}
	for _, l := range leaves {
		if l.Kind == trust.LeafKindResult {
			index[l.RefID] = l.Index
		}
	}
	n := 0
	for page := (medperf.Page{Limit: 1000}); ; page.Offset += 1000 {
		list, err := cl.ListResults(ctx, medperf.ResultFilter{Owner: me.ID, Page: page})
		if err != nil {
			return n, err
		}
		for _, r := range list.Items {
			if !r.Signed {
				continue
			}
			if err := checkOwnResult(ctx, cl, cp, keys, index, r); err != nil {
				return n, err
			}
			n++
		}
		if page.Offset+len(list.Items) >= list.Total || len(list.Items) == 0 {
			return n, nil
		}
	}
}

func checkOwnResult(ctx context.Context, cl *Client, cp trust.Checkpoint, keys []trust.PublicKey, index map[int64]int64, r medperf.Result) error {
	env, err := trust.ParseEnvelope(r.Envelope)
	if err != nil {
		return rewritten("the envelope of your result %d no longer parses", r.ID)
	}
	v, err := trust.VerifyEnvelope(ctx, env, keys)
	if err != nil {
		return rewritten("the envelope of your result %d is no longer signed by any of your keys", r.ID)
	}
	if !trust.SameMetrics(v.Result.Metrics, r.Metrics) || v.Result.Benchmark != r.BenchmarkID || v.Result.Model.ID != r.ModelID || v.Result.Dataset.ID != r.DatasetID {
		return rewritten("your result %d was edited in the registry: its metrics or ids differ from what you signed", r.ID)
	}
	i, ok := index[r.ID]
	if !ok {
		return rewritten("your signed result %d is not in the log", r.ID)
	}
	leaf, err := trust.ResultLeaf(env)
	if err != nil {
		return err
	}
	proof, err := cl.LogInclusion(ctx, i, cp.Size)
	if err != nil {
		return err
	}
	if err := trust.VerifyInclusion(proof, i, cp.Size, cp.Root, leaf); err != nil {
		return rewritten("your result %d is not in the log as you signed it", r.ID)
	}
	return nil
}

// myKeys returns every key of the caller, revoked ones included (a key
// revoked later still signed earlier results).
func myKeys(ctx context.Context, cl *Client) ([]trust.PublicKey, error) {
	registered, err := cl.ListKeys(ctx, 0)
	if err != nil {
		return nil, err
	}
	var keys []trust.PublicKey
	for _, k := range registered {
		if pub, err := trust.ParsePublicKey(k.PublicKey); err == nil {
			keys = append(keys, pub)
		}
	}
	return keys, nil
}
