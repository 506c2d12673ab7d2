package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/leaderboard"
	"github.com/medperf/medperf/trust"
	"github.com/medperf/medperf/wire"
)

// operation documents one route for the OpenAPI document.
type operation struct {
	summary string
	// public routes need no token.
	public bool
	// query lists the query parameters of a list.
	query []string
	// in and out are values of the request and response body types (nil:
	// none); status is the success status.
	in, out any
	status  int
}

var (
	listQuery = []string{"limit", "offset", "cursor", "total"}
	page      = func(extra ...string) []string { return append(append([]string{}, listQuery...), extra...) }
)

// operations documents every route, keyed by "METHOD path".
var operations = map[string]operation{
	"GET /version":                   {summary: "Server and API version", public: true, out: VersionInfo{}},
	"GET /openapi.json":              {summary: "This OpenAPI document", public: true, out: map[string]any{}},
	"GET /me":                        {summary: "The caller's account", out: medperf.User{}},
	"GET /me/tokens":                 {summary: "The caller's API tokens, revoked ones included", out: []medperf.Token{}},
	"POST /me/tokens":                {summary: "Create an API token for the caller; its secret is returned once", in: TokenRequest{}, out: medperf.NewToken{}, status: 201},
	"DELETE /me/tokens/{id}":         {summary: "Revoke one of the caller's tokens", out: map[string]int64{}},
	"GET /users":                     {summary: "List accounts (admin)", query: page(), out: medperf.List[medperf.User]{}},
	"POST /users":                    {summary: "Create an account and its first token, returned once (admin)", in: medperf.NewUser{}, out: medperf.CreatedUser{}, status: 201},
	"GET /users/{id}":                {summary: "An account (admin, or the user)", out: medperf.User{}},
	"GET /users/{id}/card":           {summary: "An account's name, and its email for an admin, the user and the two sides of an association request", out: medperf.UserCard{}},
	"GET /containers":                {summary: "List containers", query: page("owner", "state", "is_model", "name"), out: medperf.List[medperf.Container]{}},
	"POST /containers":               {summary: "Register a container", in: medperf.ContainerInput{}, out: medperf.Container{}, status: 201},
	"GET /containers/{id}":           {summary: "A container", out: medperf.Container{}},
	"PATCH /containers/{id}":         {summary: "Edit a container (owner or admin; in OPERATION only is_valid and user_metadata)", in: medperf.ContainerPatch{}, out: medperf.Container{}},
	"PUT /containers/{id}/signature": {summary: "Sign a registered container (its owner only): a DSSE envelope over its image digest and config hash, verified against the owner's keys", in: medperf.ContainerSignature{}, out: medperf.Container{}},
	"GET /benchmarks":                {summary: "List benchmarks", query: page("owner", "state", "approval_status", "name"), out: medperf.List[medperf.Benchmark]{}},
	"POST /benchmarks":               {summary: "Register a benchmark (PENDING; one pending per user)", in: medperf.BenchmarkInput{}, out: medperf.Benchmark{}, status: 201},
	"GET /benchmarks/{id}":           {summary: "A benchmark", out: medperf.Benchmark{}},
	"PATCH /benchmarks/{id}":         {summary: "Edit a benchmark (owner or admin); approval_status is the admin's decision", in: medperf.BenchmarkPatch{}, out: medperf.Benchmark{}},
	"GET /benchmarks/{id}/datasets": {summary: "The latest association of each dataset with the benchmark",
		query: page("approval_status", "component"), out: medperf.List[medperf.Association]{}},
	"POST /benchmarks/{id}/datasets":            {summary: "Ask for a dataset to join the benchmark", in: medperf.AssociationRequest{}, out: medperf.Association{}, status: 201},
	"GET /benchmarks/{id}/datasets/{component}": {summary: "Every association row of a dataset with the benchmark, oldest first", out: []medperf.Association{}},
	"PATCH /benchmarks/{id}/datasets/{component}": {summary: "Approve, reject or withdraw a dataset's association",
		in: medperf.AssociationDecision{}, out: medperf.Association{}},
	"GET /benchmarks/{id}/models": {summary: "The latest association of each model with the benchmark",
		query: page("approval_status", "component"), out: medperf.List[medperf.Association]{}},
	"POST /benchmarks/{id}/models":            {summary: "Ask for a model to join the benchmark", in: medperf.AssociationRequest{}, out: medperf.Association{}, status: 201},
	"GET /benchmarks/{id}/models/{component}": {summary: "Every association row of a model with the benchmark, oldest first", out: []medperf.Association{}},
	"PATCH /benchmarks/{id}/models/{component}": {summary: "Approve, reject or withdraw a model's association, or set its priority (benchmark owner)",
		in: medperf.AssociationDecision{}, out: medperf.Association{}},
	"GET /benchmarks/{id}/results": {summary: "The benchmark's results the caller may see; format=csv exports them all as CSV. The benchmark owner's and an admin's pages carry an ETag (If-None-Match: 304 Not Modified)", query: page("model", "dataset", "format"), out: medperf.List[medperf.Result]{}},
	"GET /benchmarks/{id}/leaderboard": {summary: "The benchmark's leaderboard as the caller may see it (scope all, visible or published); format=csv for CSV",
		query: []string{"metric", "format"}, out: leaderboard.Leaderboard{}},
	"GET /datasets":        {summary: "List datasets", query: page("owner", "state", "preparator", "generated_uid"), out: medperf.List[medperf.Dataset]{}},
	"POST /datasets":       {summary: "Register a dataset", in: medperf.DatasetInput{}, out: medperf.Dataset{}, status: 201},
	"GET /datasets/{id}":   {summary: "A dataset (the report only for its owner, the preparator's owner and admins)", out: medperf.Dataset{}},
	"PATCH /datasets/{id}": {summary: "Edit a dataset (owner or admin; in OPERATION only is_valid and user_metadata)", in: medperf.DatasetPatch{}, out: medperf.Dataset{}},
	"GET /results":         {summary: "The results the caller may see; format=csv exports them all as CSV. With benchmark=B, the benchmark owner's and an admin's pages carry an ETag (If-None-Match: 304 Not Modified)", query: page("benchmark", "model", "dataset", "owner", "format"), out: medperf.List[medperf.Result]{}},
	"POST /results": {summary: "Submit a result; 201 when new, 200 with the earlier result when the idempotency key was seen",
		in: medperf.ResultInput{}, out: medperf.Result{}, status: 201},
	"GET /results/{id}":    {summary: "A result (admin, benchmark owner, model owner, dataset owner)", out: medperf.Result{}},
	"PATCH /results/{id}":  {summary: "Edit a draft result, or is_valid and user_metadata of a finalized one", in: medperf.ResultPatch{}, out: medperf.Result{}},
	"GET /audit":           {summary: "The audit log: everything for admins, the events of one's entities for others", query: page("entity_type", "entity_id", "actor"), out: medperf.List[medperf.AuditEvent]{}},
	"GET /me/keys":         {summary: "The caller's registered public keys, revoked ones included", out: []medperf.Key{}},
	"POST /me/keys":        {summary: "Register an ed25519 public key for the caller (ssh-ed25519 line or PEM)", in: medperf.KeyInput{}, out: medperf.Key{}, status: 201},
	"DELETE /me/keys/{id}": {summary: "Revoke one of the caller's keys (an admin: anyone's)", out: medperf.Key{}},
	"GET /users/{id}/keys": {summary: "An account's registered public keys, revoked ones included", out: []medperf.Key{}},
	"GET /log/key":         {summary: "The public key that signs the transparency log's checkpoints", public: true, out: trust.LogKeyInfo{}},
	"GET /log/checkpoint":  {summary: "The transparency log's latest checkpoint, a signed note (docs/trust.md)", public: true, out: trust.SignedCheckpoint{}},
	"GET /log/proof/inclusion": {summary: "The proof that leaf index is in the tree of the given size", public: true,
		query: []string{"index", "size"}, out: trust.Proof{}},
	"GET /log/proof/consistency": {summary: "The proof that the tree of size from is a prefix of the tree of size to", public: true,
		query: []string{"from", "to"}, out: trust.Proof{}},
	"GET /log/leaves": {summary: "Leaves start..start+count-1 (count <= 1000), rebuilt from the rows now stored: hashes for all, bytes of the caller's rows", public: true,
		query: []string{"start", "count"}, out: []trust.LeafEntry{}},
	"GET /benchmarks/{id}/models/{component}/access": {summary: "Who may decrypt a private model in the benchmark: every grant and the eligible data owners for its owner and admins, one's own grant for others",
		out: medperf.ModelAccess{}},
	"PATCH /benchmarks/{id}/models/{component}/access": {summary: "Set the model's auto-grant flag (the model's owner)", in: medperf.ModelAccessPatch{}, out: medperf.ModelAccess{}},
	"POST /benchmarks/{id}/models/{component}/keys": {summary: "Grant a data owner access: store the model's secret wrapped with age for the user's registered keys, replacing an earlier grant (the model's owner)",
		in: medperf.ModelKeyInput{}, out: medperf.ModelKey{}, status: 201},
	"DELETE /benchmarks/{id}/models/{component}/keys":        {summary: "Delete every wrapped key of the model in the benchmark (the model's owner)", out: medperf.DeletedKeys{}},
	"GET /benchmarks/{id}/models/{component}/keys/{user}":    {summary: "A data owner's own wrapped key, with its text (that user only)", out: medperf.ModelKey{}},
	"DELETE /benchmarks/{id}/models/{component}/keys/{user}": {summary: "Revoke a data owner's grant (the model's owner)", out: medperf.ModelKey{}},
}

// Documented lists the routes the OpenAPI document describes.
func Documented() []Route {
	var out []Route
	for k := range operations {
		method, path, _ := strings.Cut(k, " ")
		out = append(out, Route{method, path})
	}
	return out
}

func (h *Handler) openapi(*http.Request) (int, any, error) {
	return http.StatusOK, Document(h.cfg.Version), nil
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// Document returns the OpenAPI 3 document of the API.
func Document(version string) map[string]any {
	schemas := map[string]any{"Error": schemaOf(reflect.TypeOf(wire.ErrorBody{}), nil)}
	paths := map[string]map[string]any{}
	for k, op := range operations {
		method, path, _ := strings.Cut(k, " ")
		if paths[Prefix+path] == nil {
			paths[Prefix+path] = map[string]any{}
		}
		paths[Prefix+path][strings.ToLower(method)] = op.document(method, path, schemas)
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "medperf registry API", "version": version,
			"description": "The registry of medperf: users, containers, benchmarks, datasets, associations, results and the audit log."},
		"servers": []any{map[string]any{"url": "/"}},
		"paths":   paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
}

func (op operation) document(method, path string, schemas map[string]any) map[string]any {
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		params = append(params, map[string]any{"name": m[1], "in": "path", "required": true,
			"schema": map[string]any{"type": "integer", "format": "int64", "minimum": 1}})
	}
	for _, q := range op.query {
		params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]any{"type": "string"}})
	}
	status := op.status
	if status == 0 {
		status = http.StatusOK
	}
	errRef := map[string]any{"description": "an error", "content": map[string]any{"application/json": map[string]any{
		"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}
	doc := map[string]any{
		"summary":     op.summary,
		"operationId": strings.ToLower(method) + strings.NewReplacer("/", "_", "{", "", "}", "", ".", "_").Replace(path),
		"responses": map[string]any{
			itoa(status): map[string]any{"description": "success", "content": map[string]any{
				"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(op.out), schemas)}}},
			"default": errRef,
		},
	}
	if len(params) > 0 {
		doc["parameters"] = params
	}
	if op.public {
		doc["security"] = []any{}
	}
	if op.in != nil {
		doc["requestBody"] = map[string]any{"required": true, "content": map[string]any{
			"application/json": map[string]any{"schema": schemaOf(reflect.TypeOf(op.in), schemas)}}}
	}
	return doc
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

var (
	rawJSONType = reflect.TypeOf(json.RawMessage{})
	timeType    = reflect.TypeOf(time.Time{})
)

// schemaOf returns the JSON schema of t, registering named struct types in
// schemas and referring to them.
func schemaOf(t reflect.Type, schemas map[string]any) map[string]any {
	switch {
	case t == rawJSONType:
		return map[string]any{"description": "any JSON value"}
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return schemaOf(t.Elem(), schemas)
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32:
		return map[string]any{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem(), schemas)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem(), schemas)}
	case reflect.Struct:
		return structSchema(t, schemas)
	}
	return map[string]any{}
}

func structSchema(t reflect.Type, schemas map[string]any) map[string]any {
	name := schemaName(t)
	if schemas != nil {
		if _, seen := schemas[name]; seen {
			return map[string]any{"$ref": "#/components/schemas/" + name}
		}
		schemas[name] = map[string]any{} // guards recursion
	}
	props := map[string]any{}
	addFields(t, props, schemas)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if schemas == nil {
		return s
	}
	schemas[name] = s
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func addFields(t reflect.Type, props map[string]any, schemas map[string]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			addFields(f.Type, props, schemas)
			continue
		}
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		props[name] = schemaOf(f.Type, schemas)
	}
}

// schemaName names a struct type in the document: List[T] becomes TList.
func schemaName(t reflect.Type) string {
	n := t.Name()
	if base, arg, ok := strings.Cut(n, "["); ok {
		arg = strings.TrimSuffix(arg, "]")
		arg = arg[strings.LastIndex(arg, ".")+1:]
		return arg + base
	}
	return n
}
