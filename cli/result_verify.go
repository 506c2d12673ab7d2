package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// verifiedResult is what `result verify` prints.
type verifiedResult struct {
	Result      int64           `json:"result,omitempty"`
	Fingerprint string          `json:"fingerprint"`
	Benchmark   int64           `json:"benchmark"`
	Model       int64           `json:"model"`
	Dataset     int64           `json:"dataset"`
	DataHash    string          `json:"dataset_hash"`
	ModelDigest string          `json:"model_image_digest"`
	Metrics     json.RawMessage `json:"metrics"`
	SignedAt    string          `json:"signed_at"`
}

func (v verifiedResult) table() table {
	return table{rows: [][]string{{"verified", "yes: signed by " + v.Fingerprint}, {"result", strconv.FormatInt(v.Result, 10)},
		{"benchmark", strconv.FormatInt(v.Benchmark, 10)}, {"model", fmt.Sprintf("%d (image sha256:%s)", v.Model, v.ModelDigest)},
		{"dataset", fmt.Sprintf("%d (prepared data %s)", v.Dataset, v.DataHash)}, {"metrics", string(v.Metrics)}, {"signed at", v.SignedAt}}}
}

func newResultVerifyCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "verify ID|FILE [--key FILE]",
		Short: "Check a result's signature offline against a public key (the submitter's registered keys, or --key)",
		Long: "Check that a result was signed by a site's key and that the signed metrics are the registered ones.\n" +
			"ID fetches the result and, without --key, the submitter's registered keys from the server; FILE is a\n" +
			"DSSE envelope (or a result as 'medperf result view -o json' prints it) checked against --key without\n" +
			"any server. --key takes an ssh-ed25519 public key line (a .pub file) or a PEM public key.\n" +
			"A signature that does not verify exits with the invalid status.",
		Args: cobra.ExactArgs(1),
	}
	keyFile := c.Flags().String("key", "", "public key file to verify with (ssh-ed25519 line or PEM)")
	out := outputFlag(c)
	c.RunE = func(cmd *cobra.Command, args []string) error {
		res, err := e.resultToVerify(cmd, args[0])
		if err != nil {
			return err
		}
		keys, err := e.verifyKeys(cmd, *keyFile, res)
		if err != nil {
			return err
		}
		v, err := verifyResult(cmd, res, keys)
		if err != nil {
			return err
		}
		return render(e.stdout, *out, v, v.table)
	}
	return c
}

// resultToVerify reads FILE (an envelope or a result) or fetches result ID.
func (e *env) resultToVerify(cmd *cobra.Command, arg string) (*medperf.Result, error) {
	data, err := os.ReadFile(arg)
	if err == nil {
		var r medperf.Result
		if json.Unmarshal(data, &r) == nil && len(r.Envelope) > 0 {
			return &r, nil
		}
		return &medperf.Result{Envelope: data}, nil
	}
	id, perr := strconv.ParseInt(arg, 10, 64)
	if perr != nil || id <= 0 {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, medperf.FieldError("ID|FILE", "%q is neither a result id nor a file", arg)
		}
		return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "FILE", Message: "cannot read " + arg, Err: err}
	}
	cl, _, err := e.newClient("", false)
	if err != nil {
		return nil, err
	}
	r, err := cl.GetResult(cmd.Context(), id)
	if err != nil {
		return nil, err
	}
	if !r.Signed {
		return nil, medperf.Errorf(medperf.CodeInvalid, "result %d is not signed: nothing ties it to a site's key", id)
	}
	return r, nil
}

// verifyKeys returns the key of --key, or the submitter's registered keys
// (revoked ones included: a key revoked later still signed earlier results).
func (e *env) verifyKeys(cmd *cobra.Command, keyFile string, r *medperf.Result) ([]trust.PublicKey, error) {
	if keyFile != "" {
		text, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, &medperf.Error{Code: medperf.CodeInvalid, Field: "--key", Message: "cannot read " + keyFile, Err: err}
		}
		k, err := trust.ParsePublicKey(string(text))
		if err != nil {
			return nil, err
		}
		return []trust.PublicKey{k}, nil
	}
	if r.Owner == 0 {
		return nil, medperf.FieldError("--key", "is required to verify a file offline (the site's public key)")
	}
	cl, _, err := e.newClient("", false)
	if err != nil {
		return nil, err
	}
	registered, err := cl.ListKeys(cmd.Context(), r.Owner)
	if err != nil {
		return nil, err
	}
	var keys []trust.PublicKey
	for _, k := range registered {
		if pub, err := trust.ParsePublicKey(k.PublicKey); err == nil {
			keys = append(keys, pub)
		}
	}
	if len(keys) == 0 {
		return nil, medperf.Errorf(medperf.CodeInvalid, "the submitter of result %d has no registered key", r.ID)
	}
	return keys, nil
}

// verifyResult checks the envelope's signature and, for a registered
// result, that the signed ids and metrics are the registered ones.
func verifyResult(cmd *cobra.Command, r *medperf.Result, keys []trust.PublicKey) (verifiedResult, error) {
	env, err := trust.ParseEnvelope(r.Envelope)
	if err != nil {
		return verifiedResult{}, err
	}
	v, err := trust.VerifyEnvelope(cmd.Context(), env, keys)
	if err != nil {
		return verifiedResult{}, err
	}
	p := v.Result
	if r.ID != 0 && (p.Benchmark != r.BenchmarkID || p.Model.ID != r.ModelID || p.Dataset.ID != r.DatasetID || !trust.SameMetrics(p.Metrics, r.Metrics)) {
		return verifiedResult{}, medperf.Errorf(medperf.CodeInvalid,
			"result %d does not match its signature: the registry's benchmark, model, dataset or metrics differ from what the site signed", r.ID)
	}
	return verifiedResult{Result: r.ID, Fingerprint: v.Key.Fingerprint(), Benchmark: p.Benchmark, Model: p.Model.ID,
		Dataset: p.Dataset.ID, DataHash: p.Dataset.Hash, ModelDigest: p.Model.ImageDigest, Metrics: p.Metrics,
		SignedAt: p.Time.Format("2006-01-02T15:04:05Z")}, nil
}
