package sqldb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/medperf/medperf"
)

const resultCols = `r.id, r.owner, r.name, r.benchmark_id, r.model_id, r.dataset_id, r.metrics, r.finalized,
	r.finalized_at, r.idempotency_key, r.is_valid, r.metadata, r.user_metadata, r.created_at, r.modified_at, r.envelope`

// resultFrom joins each result with the owners who may see it.
const resultFrom = `results r JOIN benchmarks b ON b.id = r.benchmark_id
	JOIN containers m ON m.id = r.model_id JOIN datasets ds ON ds.id = r.dataset_id`

func scanResult(s interface{ Scan(...any) error }) (*medperf.Result, error) {
	var r medperf.Result
	var metrics, created, modified string
	var finalized, meta, umeta, envelope sql.NullString
	err := s.Scan(&r.ID, &r.Owner, &r.Name, &r.BenchmarkID, &r.ModelID, &r.DatasetID, &metrics, &r.Finalized,
		&finalized, &r.IdempotencyKey, &r.IsValid, &meta, &umeta, &created, &modified, &envelope)
	if err != nil {
		return nil, err
	}
	r.Metrics, r.FinalizedAt = json.RawMessage(metrics), parseTimePtr(finalized)
	r.Metadata, r.UserMetadata = rawJSON(meta), rawJSON(umeta)
	r.CreatedAt, r.ModifiedAt = parseTime(created), parseTime(modified)
	r.Envelope = rawJSON(envelope)
	r.Signed = r.Envelope != nil
	return &r, nil
}

// visibleTo restricts results to those caller may see (CanSeeResult).
func visibleTo(w *where, caller *medperf.User) {
	if !caller.IsAdmin {
		w.add("(b.owner = ? OR m.owner = ? OR ds.owner = ?)", caller.ID, caller.ID, caller.ID)
	}
}

// getResult returns a result caller may see, or CodeNotFound.
func getResult(ctx context.Context, c conn, id int64, caller *medperf.User) (*medperf.Result, error) {
	w := where{}
	w.add("r.id = ?", id)
	visibleTo(&w, caller)
	r, err := scanResult(c.row(ctx, `SELECT `+resultCols+` FROM `+resultFrom+w.sql(), w.args...))
	if noRows(err) {
		return nil, notFound("result", id)
	}
	return r, err
}

// submissionFacts is what a submission is checked against, read once:
// the facts of CheckResultAllowed, the benchmark (its declared metrics, its
// signature rule) and the owners who may see the result (its audit
// event's viewers).
type submissionFacts struct {
	medperf.ResultFacts
	benchmark  *medperf.Benchmark
	modelOwner int64
	// keyUsed says that the caller has a result with the submission's
	// idempotency key already.
	keyUsed bool
	// ids are the ids the submission's one statement writes under
	// (PostgreSQL only: submissionIDs).
	ids submissionIDs
}

// viewers returns the owners who may see the result: the benchmark's, the
// model's and the dataset's.
func (f submissionFacts) viewers() []int64 {
	return []int64{f.benchmark.Owner, f.modelOwner, f.DatasetOwner}
}

// withExtra is a row scanner that scans the columns after a known list
// into extra: a benchmark's columns, then a submission's facts.
type withExtra struct {
	s     interface{ Scan(...any) error }
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.s.Scan(append(dest, w.extra...)...) }

// submissionFactsQuery reads, in one statement (one round trip), the
// benchmark and what a submission is checked against: the model's and the
// dataset's owners (NULL when missing), the latest association statuses of
// the dataset and the model, and whether the triple has a finalized
// result, and whether the caller used the submission's idempotency key (in
// the same statement, so that a first submission, the common case, costs
// one read: the key's own lookup was a third of the reads' time).
const submissionFactsQuery = `SELECT ` + benchmarkCols + `,
	(SELECT m.owner FROM containers m WHERE m.id = ?),
	(SELECT ds.owner FROM datasets ds WHERE ds.id = ?),
	(SELECT a.approval_status FROM associations a WHERE a.benchmark_id = benchmarks.id AND a.kind = ? AND a.component_id = ?
		ORDER BY a.id DESC LIMIT 1),
	(SELECT a.approval_status FROM associations a WHERE a.benchmark_id = benchmarks.id AND a.kind = ? AND a.component_id = ?
		ORDER BY a.id DESC LIMIT 1),
	EXISTS (SELECT 1 FROM results r WHERE r.benchmark_id = benchmarks.id AND r.model_id = ? AND r.dataset_id = ? AND r.finalized),
	EXISTS (SELECT 1 FROM results r WHERE r.owner = ? AND r.idempotency_key = ? AND r.idempotency_key <> '')
	FROM benchmarks WHERE id = ?`

// submissionFactsQueryPG is submissionFactsQuery with, on PostgreSQL, the
// ids of the result and of its audit event taken from their sequences
// (submissionIDs).
var submissionFactsQueryPG = strings.Replace(submissionFactsQuery, `
	FROM benchmarks WHERE id = ?`, `,
	nextval(pg_get_serial_sequence('results', 'id')), nextval(pg_get_serial_sequence('audit', 'id'))
	FROM benchmarks WHERE id = ?`, 1)

// factsRow is a row of submissionFactsQuery, as read.
type factsRow struct {
	benchmark                *medperf.Benchmark
	modelOwner, datasetOwner sql.NullInt64
	dsStatus, mStatus        sql.NullString
	final, keyUsed           bool
	ids                      submissionIDs
}

// scan reads the row from s, whose columns start with the benchmark's;
// ids are read on PostgreSQL only.
func (f *factsRow) scan(s interface{ Scan(...any) error }, ids bool) error {
	extra := []any{&f.modelOwner, &f.datasetOwner, &f.dsStatus, &f.mStatus, &f.final, &f.keyUsed}
	if ids {
		extra = append(extra, &f.ids.result, &f.ids.audit)
	}
	b, err := scanBenchmark(withExtra{s, extra})
	f.benchmark = b
	return err
}

// readFacts reads in's facts on c (one statement; a batch of several
// submissions' reads in one statement cost PostgreSQL more, since it
// planned the statement again for every batch size). sql.ErrNoRows when the
// benchmark does not exist.
func readFacts(ctx context.Context, c conn, caller *medperf.User, in medperf.ResultInput) (factsRow, error) {
	var f factsRow
	q := submissionFactsQuery
	if c.d.dialect == dialectPostgres {
		q = submissionFactsQueryPG
	}
	err := f.scan(c.row(ctx, q, in.ModelID, in.DatasetID, medperf.KindDataset, in.DatasetID,
		medperf.KindModel, in.ModelID, in.ModelID, in.DatasetID, caller.ID, in.IdempotencyKey, in.BenchmarkID), q == submissionFactsQueryPG)
	return f, err
}

// resultFacts gathers what CheckResultAllowed decides on and whether the
// triple has a finalized result; CodeNotFound for a benchmark, model or
// dataset that does not exist.
func resultFacts(ctx context.Context, c conn, caller *medperf.User, in medperf.ResultInput) (submissionFacts, bool, error) {
	f := submissionFacts{ResultFacts: medperf.ResultFacts{Caller: caller}}
	row, err := readFacts(ctx, c, caller, in)
	switch {
	case noRows(err):
		return f, false, notFound("benchmark", in.BenchmarkID)
	case err != nil:
		return f, false, err
	case !row.modelOwner.Valid:
		return f, false, notFound(string(medperf.KindModel), in.ModelID)
	case !row.datasetOwner.Valid:
		return f, false, notFound(string(medperf.KindDataset), in.DatasetID)
	}
	b := row.benchmark
	f.benchmark, f.modelOwner, f.keyUsed, f.ids = b, row.modelOwner.Int64, row.keyUsed, row.ids
	f.DatasetOwner, f.IsReference = row.datasetOwner.Int64, b.ReferenceModelContainer == in.ModelID
	f.DatasetStatus, f.ModelStatus = medperf.ApprovalStatus(row.dsStatus.String), medperf.ApprovalStatus(row.mStatus.String)
	return f, row.final, nil
}

// SubmitResult implements medperf.ResultService. Everything a submission
// only reads (a retry's earlier answer, the caller's rights, the
// benchmark's declared metrics, the signature) is read first on a reader
// connection, so that the write transaction holds the writer (on SQLite,
// the one writer connection) only for the inserts. Those reads are not in
// the write transaction: a right withdrawn while the submission is on its
// way may still let it in, as with any request read just before a change
// (PostgreSQL's READ COMMITTED, which submissions use, gives the same).
//
// Races are decided by the unique constraints, not by retries: the insert
// does nothing when a concurrent submission took the same idempotency key
// or finalized the same (benchmark, model, dataset) first, and the loser
// then answers with that submission's result (same key, same content) or
// CodeConflict. On PostgreSQL the loser's insert waits for the winner to
// commit and then sees it.
//
// The write joins the submissions waiting at the same time: on PostgreSQL
// a finalized result's row goes into one statement with theirs
// (submitInOneStatement); otherwise the write is a transaction batched with
// theirs (groupWrite: group commit on SQLite), in its own savepoint. Either
// way its answer is its own whatever the others do.
func (d *DB) SubmitResult(ctx context.Context, in medperf.ResultInput) (*medperf.Result, bool, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, false, err
	}
	if err := in.Validate(); err != nil {
		return nil, false, err
	}
	release, err := d.admitSubmission(ctx)
	if err != nil {
		return nil, false, err
	}
	defer release()
	digest := submissionDigest(in)
	prev, ok, err := d.checkSubmissionInTurn(ctx, caller, in, digest)
	if err != nil && !refused(err) || prev != nil {
		return prev, false, internal(err)
	}
	// A refusal is decided again in the write transaction, on the latest
	// committed state: a submission is never refused for a right granted
	// just before it reached the writer.
	recheck := err != nil
	if !recheck && d.submitsInOneStatement(in) {
		return d.submitInOneStatement(ctx, caller, in, digest, ok)
	}
	return d.submitInTransaction(ctx, caller, in, digest, ok, recheck)
}

// submitInTransaction writes a submission in a write transaction (in a
// group commit when the store has one), checking it again first when
// recheck says that the reads refused it.
func (d *DB) submitInTransaction(ctx context.Context, caller *medperf.User, in medperf.ResultInput, digest string, ok checkedSubmission, recheck bool) (*medperf.Result, bool, error) {
	var out *medperf.Result
	created := false
	err := d.groupWrite(ctx, func(ctx context.Context, c conn) error {
		out, created = nil, false // a retried transaction starts afresh
		if recheck {
			prev, checked, err := d.checkResultInput(ctx, c, caller, in, digest)
			if err != nil || prev != nil {
				out = prev
				return err
			}
			ok = checked
		}
		if !in.IsFinal() {
			if err := checkDraftCap(ctx, c, caller.ID); err != nil {
				return err
			}
		}
		r, inserted, err := d.insertResult(ctx, c, caller, in, digest, ok.sig)
		if err != nil {
			return err
		}
		if !inserted {
			out, err = lostSubmission(ctx, c, caller, in, digest)
			return err
		}
		out, created = r, true
		if err := c.logResult(ctx, r.ID, ok.sig); err != nil {
			return err
		}
		return c.audit(ctx, caller.ID, medperf.ActionCreate, "result", r.ID, in, ok.viewers...)
	})
	return out, created, err
}

// checkedSubmission is what checkResultInput found of a submission it
// lets in: its checked signature (nil for an unsigned result) and the
// viewers of its audit event.
type checkedSubmission struct {
	sig     *signature
	viewers []int64
	ids     submissionIDs
}

// refused reports whether err is a submission's refusal for a state that
// a concurrent change can lift (an association not yet approved, a right
// not yet granted, a finalized result's key), as opposed to bad input or
// a failure to decide.
func refused(err error) bool {
	c := medperf.ErrorCode(err)
	return c == medperf.CodeConflict || c == medperf.CodeForbidden
}

// checkResultInput does a submission's reads on r (first a reader
// connection). It returns the answer when there is one already (the
// earlier result of a retry, which needs no writer), or the checked
// signature to store.
func (d *DB) checkResultInput(ctx context.Context, r conn, caller *medperf.User, in medperf.ResultInput, digest string) (*medperf.Result, checkedSubmission, error) {
	var ok checkedSubmission
	f, taken, err := checkSubmission(ctx, r, caller, in)
	// The key's earlier submission answers before the checks (a retry
	// gets its result whatever changed since; a key reused with other
	// content is a conflict): looked up when the facts say the key is
	// used, or when a check failed (the facts may not say).
	if in.IdempotencyKey != "" && (f.keyUsed || err != nil) {
		prev, err := byIdempotencyKey(ctx, r, caller, in, digest)
		if err != nil || prev != nil {
			return prev, ok, err
		}
	}
	if err != nil {
		return nil, ok, err
	}
	// Evidence is checked before a taken triple is answered: a tampered
	// envelope is invalid whatever else is registered.
	if ok.sig, err = verifySubmission(ctx, d, r, caller, in, f.benchmark.RequireSignedResults); err != nil {
		return nil, ok, err
	}
	if taken {
		prev, err := lostSubmission(ctx, r, caller, in, digest)
		return prev, ok, err
	}
	ok.viewers, ok.ids = f.viewers(), f.ids
	return nil, ok, nil
}

// checkSubmission checks that caller may submit in (the rules of
// CheckResultAllowed, the benchmark's declared metrics) and reports whether
// a finalized result for the same (benchmark, model, dataset) exists
// already. That may be a concurrent retry of this very submission, which
// committed after the caller looked its key up, so the caller asks
// lostSubmission; when two arrive together, the unique index decides.
func checkSubmission(ctx context.Context, c conn, caller *medperf.User, in medperf.ResultInput) (submissionFacts, bool, error) {
	f, final, err := resultFacts(ctx, c, caller, in)
	if err != nil {
		return f, false, err
	}
	if err := medperf.CheckResultAllowed(f.ResultFacts); err != nil {
		return f, false, err
	}
	if err := medperf.CheckResultMetrics(f.benchmark.Metrics, in.Metrics); err != nil {
		return f, false, err
	}
	return f, final && in.IsFinal(), nil
}

func errAlreadyFinal() error {
	return medperf.Errorf(medperf.CodeConflict, "this benchmark, model and dataset already have a finalized result")
}

// insertResult inserts a submission unless a unique constraint (the
// idempotency key, one finalized result per triple) holds a row already; it
// returns the new result, as a read of its row would give it (so the write
// transaction need not read it back), and true, or nil and false.
func (d *DB) insertResult(ctx context.Context, c conn, caller *medperf.User, in medperf.ResultInput, digest string, sig *signature) (*medperf.Result, bool, error) {
	r, row := newResultRow(caller, in, d.now(), sig)
	id, err := c.insert(ctx, `INSERT INTO results (owner, name, benchmark_id, model_id, dataset_id, metrics,
		finalized, finalized_at, idempotency_key, is_valid, metadata, user_metadata, created_at, modified_at, request_hash, envelope, key_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		caller.ID, in.Name, in.BenchmarkID, in.ModelID, in.DatasetID, row.metrics, in.IsFinal(),
		row.finalizedAt, in.IdempotencyKey, true, row.meta, row.umeta, row.now, row.now, digest, row.envelope, row.keyID)
	if noRows(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	r.ID = id
	return r, true, nil
}

// resultRow is the values of a new result's row that its submission does
// not give as they are: nullable columns are nil or a string.
type resultRow struct {
	metrics, now                              string
	finalizedAt, meta, umeta, envelope, keyID any
}

// newResultRow returns a new result (without its id), as a read of its row
// would give it, so that a writer need not read it back, and the values of
// the row.
func newResultRow(caller *medperf.User, in medperf.ResultInput, now string, sig *signature) (*medperf.Result, resultRow) {
	row := resultRow{metrics: string(compact(in.Metrics)), now: now, meta: jsonText(in.Metadata), umeta: jsonText(in.UserMetadata)}
	row.envelope, row.keyID = sig.columns()
	if in.IsFinal() {
		row.finalizedAt = now
	}
	text := func(v any) sql.NullString {
		s, ok := v.(string)
		return sql.NullString{String: s, Valid: ok}
	}
	r := &medperf.Result{Name: in.Name, BenchmarkID: in.BenchmarkID, ModelID: in.ModelID, DatasetID: in.DatasetID,
		Metrics: json.RawMessage(row.metrics), Finalized: in.IsFinal(), FinalizedAt: parseTimePtr(text(row.finalizedAt)),
		IdempotencyKey: in.IdempotencyKey, Envelope: rawJSON(text(row.envelope))}
	r.Owner, r.IsValid = caller.ID, true
	r.Metadata, r.UserMetadata = rawJSON(text(row.meta)), rawJSON(text(row.umeta))
	r.CreatedAt, r.ModifiedAt = parseTime(now), parseTime(now)
	r.Signed = r.Envelope != nil
	return r, row
}

// lostSubmission answers a submission that a finalized result or a
// concurrent insert beat:
// with that one's result when it had the same key and content, with
// CodeConflict otherwise.
func lostSubmission(ctx context.Context, c conn, caller *medperf.User, in medperf.ResultInput, digest string) (*medperf.Result, error) {
	if in.IdempotencyKey != "" {
		prev, err := byIdempotencyKey(ctx, c, caller, in, digest)
		if err != nil || prev != nil {
			return prev, err
		}
	}
	return nil, errAlreadyFinal()
}

// submissionDigest is the SHA-256 of what a submission says, so that the
// same idempotency key with other content is told apart from a retry.
func submissionDigest(in medperf.ResultInput) string {
	b, _ := json.Marshal([]any{in.Name, in.BenchmarkID, in.ModelID, in.DatasetID, in.IsFinal(),
		string(compact(in.Metrics)), string(compact(in.Metadata)), string(compact(in.UserMetadata))})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// checkDeclared checks metrics against the declaration of the benchmark
// (medperf.CheckResultMetrics), so that every way in enforces it.
func checkDeclared(ctx context.Context, c conn, benchmarkID int64, metrics json.RawMessage) error {
	b, err := getBenchmark(ctx, c, benchmarkID)
	if err != nil {
		return err
	}
	return medperf.CheckResultMetrics(b.Metrics, metrics)
}

// byIdempotencyKey returns the caller's earlier result with the same key, or
// nil. (The query repeats the partial index's condition, key <> ”, so
// that SQLite uses the index: without it, every submission scanned the
// caller's results, 41% of a SQLite storm's CPU.) The same key with other content (or, for results stored before
// contents were recorded, another benchmark, model or dataset) is
// CodeConflict: a key names one submission.
func byIdempotencyKey(ctx context.Context, c conn, caller *medperf.User, in medperf.ResultInput, digest string) (*medperf.Result, error) {
	var id int64
	var stored string
	err := c.row(ctx, `SELECT id, request_hash FROM results
		WHERE owner = ? AND idempotency_key = ? AND idempotency_key <> ''`, caller.ID, in.IdempotencyKey).Scan(&id, &stored)
	if noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	prev, err := getResult(ctx, c, id, caller)
	if err != nil {
		return nil, err
	}
	if (stored != "" && stored != digest) || prev.BenchmarkID != in.BenchmarkID || prev.ModelID != in.ModelID || prev.DatasetID != in.DatasetID {
		return nil, &medperf.Error{Code: medperf.CodeConflict, Field: "idempotency_key",
			Message: "was used for a submission with other content; use a new key for a new submission"}
	}
	return prev, nil
}

// auditResult records a change of a result, readable by the owners who
// may see the result.
func auditResult(ctx context.Context, c conn, actor int64, action string, r *medperf.Result, changes any) error {
	var b, m, ds int64
	err := c.row(ctx, `SELECT b.owner, m.owner, ds.owner FROM `+resultFrom+` WHERE r.id = ?`, r.ID).Scan(&b, &m, &ds)
	if err != nil {
		return err
	}
	return c.audit(ctx, actor, action, "result", r.ID, changes, b, m, ds)
}

// GetResult implements medperf.ResultService.
func (d *DB) GetResult(ctx context.Context, id int64) (*medperf.Result, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := getResult(ctx, d.read(), id, caller)
	return r, internal(err)
}

// ListResults implements medperf.ResultService. A caller who sees every
// result of the filtered benchmark (an admin or its owner) reads the
// results table alone, and the page is cached under the benchmark's
// version (see pageKey): a benchmark owner's dashboard or a site polling
// its results costs one indexed read while nothing changes. Such a page,
// and only such a page, carries a Stamp (pageKey.stamp): every admin and
// the owner get the same Stamp for the same page and version; any other
// caller sees a subset that depends on who they are, and gets none.
func (d *DB) ListResults(ctx context.Context, f medperf.ResultFilter) (*medperf.List[medperf.Result], error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	var w where
	from, key, err := d.resultListFrom(ctx, caller, f)
	if err != nil {
		return nil, err
	}
	if key != nil {
		if l, ok := d.pages.get(*key); ok {
			l.Stamp = key.stamp()
			return l, nil
		}
	}
	if from == resultFrom {
		visibleTo(&w, caller)
	}
	addIf(&w, "r.benchmark_id", f.BenchmarkID)
	addIf(&w, "r.model_id", f.ModelID)
	addIf(&w, "r.dataset_id", f.DatasetID)
	addIf(&w, "r.owner", f.Owner)
	l, err := list(ctx, d, from, resultCols, w, f.Page, func(r *sql.Rows) (medperf.Result, error) {
		x, err := scanResult(r)
		if err != nil {
			return medperf.Result{}, err
		}
		return *x, nil
	})
	if err == nil && key != nil {
		d.pages.put(*key, l)
		l.Stamp = key.stamp()
	}
	return l, err
}

// resultListFrom returns what a results list reads: the results table alone
// when the caller sees every result the filter selects (an admin, or the
// owner of the filtered benchmark, who sees all its results by
// CanSeeResult), else resultFrom, joined for the visibility check. Without
// the joins the count of a page is an index-only scan: for a benchmark's
// owner that count was most of a results page's time. For a filtered
// benchmark seen whole it also returns the page's cache key.
func (d *DB) resultListFrom(ctx context.Context, caller *medperf.User, f medperf.ResultFilter) (string, *pageKey, error) {
	if f.BenchmarkID == 0 {
		if caller.IsAdmin {
			return "results r", nil, nil
		}
		return resultFrom, nil, nil
	}
	owner, version, found, err := d.benchmarkView(ctx, f.BenchmarkID)
	if err != nil {
		return "", nil, internal(err)
	}
	if !found || (!caller.IsAdmin && owner != caller.ID) {
		return resultFrom, nil, nil
	}
	p, err := f.Page.Normalize()
	if err != nil {
		return "", nil, err
	}
	return "results r", &pageKey{benchmark: f.BenchmarkID, version: version, model: f.ModelID, dataset: f.DatasetID,
		owner: f.Owner, limit: p.Limit, offset: p.Offset, cursor: p.Cursor, keyset: p.Keyset, total: p.Total}, nil
}

// UpdateResult implements medperf.ResultService.
func (d *DB) UpdateResult(ctx context.Context, id int64, p medperf.ResultPatch) (*medperf.Result, error) {
	caller, err := medperf.RequireCaller(ctx)
	if err != nil {
		return nil, err
	}
	var out *medperf.Result
	err = d.write(ctx, func(c conn) error {
		old, err := getResult(ctx, c, id, caller)
		if err != nil {
			return err
		}
		if !medperf.CanEdit(caller, old.Owner) {
			return medperf.Errorf(medperf.CodeForbidden, "only the result's owner or an admin edits it")
		}
		if err := medperf.CheckResultPatch(*old, p); err != nil {
			return err
		}
		if p.Metrics != nil {
			if err := checkDeclared(ctx, c, old.BenchmarkID, *p.Metrics); err != nil {
				return err
			}
		}
		next := *old
		set(&next.Metrics, p.Metrics)
		set(&next.IsValid, p.IsValid)
		set(&next.UserMetadata, p.UserMetadata)
		var finalizedAt any
		if old.FinalizedAt != nil {
			finalizedAt = formatTime(*old.FinalizedAt)
		}
		if p.Finalized != nil && *p.Finalized && !old.Finalized {
			next.Finalized, finalizedAt = true, d.now()
			n, err := c.count(ctx, `SELECT COUNT(*) FROM results WHERE benchmark_id = ? AND model_id = ? AND dataset_id = ? AND finalized`,
				old.BenchmarkID, old.ModelID, old.DatasetID)
			if err != nil {
				return err
			}
			if n > 0 {
				return medperf.Errorf(medperf.CodeConflict, "this benchmark, model and dataset already have a finalized result")
			}
		}
		err = c.exec(ctx, `UPDATE results SET metrics = ?, finalized = ?, finalized_at = ?, is_valid = ?,
			user_metadata = ?, modified_at = ? WHERE id = ?`, string(compact(next.Metrics)), next.Finalized,
			finalizedAt, next.IsValid, jsonText(next.UserMetadata), d.now(), id)
		if err != nil {
			return err
		}
		if out, err = getResult(ctx, c, id, caller); err != nil {
			return err
		}
		return auditResult(ctx, c, caller.ID, medperf.ActionUpdate, out, p)
	})
	return out, err
}

func set[T any](dst *T, p *T) {
	if p != nil {
		*dst = *p
	}
}
