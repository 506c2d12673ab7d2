package sqldb_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/medperf/medperf"
)

// TestEveryAuditedTypeIsListed reads the store's source for every audit
// event it writes (each call of conn.audit, the one writer of the audit
// table) and checks that the entity types written are exactly
// medperf.AuditEntityTypes, the list the dashboard's audit filter offers:
// a new type of event that the filter cannot select fails here, and so
// does a listed type that nothing writes.
func TestEveryAuditedTypeIsListed(t *testing.T) {
	written := writtenAuditTypes(t)
	listed := medperf.AuditEntityTypes()
	for _, typ := range sortedKeys(written) {
		if !slices.Contains(listed, typ) {
			t.Errorf("sqldb writes audit events of type %q (%s), which medperf.AuditEntityTypes does not list: add it, so the dashboard's audit filter offers it",
				typ, strings.Join(written[typ], ", "))
		}
	}
	for _, typ := range listed {
		if written[typ] == nil {
			t.Errorf("medperf.AuditEntityTypes lists %q, which sqldb never writes: remove it", typ)
		}
	}
}

// writtenAuditTypes maps each entity type the non-test sources write to
// where they write it. It fails the test on a write it cannot read, and
// when the writer is not where the reading expects it.
func writtenAuditTypes(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	written := map[string][]string{}
	writers := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if isAuditWriter(n) {
					writers++
				}
			case *ast.BasicLit:
				if inserts := strings.Contains(n.Value, "INSERT INTO audit ") || strings.Contains(n.Value, "INSERT INTO audit("); inserts && !inWriter(f, fset, n) {
					// A statement that writes an event itself (a
					// PostgreSQL submission's) names its type as a
					// literal.
					m := sqlAuditType.FindStringSubmatch(n.Value)
					if m == nil {
						t.Errorf("%s: writes the audit table outside conn.audit, where this test cannot read the entity type: name it as a literal (INSERT INTO audit (id, actor, action, entity_type, ...) SELECT id, actor, action, 'type', ...)", fset.Position(n.Pos()))
					} else {
						written[m[1]] = append(written[m[1]], fset.Position(n.Pos()).String())
					}
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "audit" || len(n.Args) < 5 {
					return true
				}
				types, ok := stringValues(n.Args[3])
				if !ok {
					t.Errorf("%s: an audit write whose entity type this test cannot read: use a string literal, or teach writtenAuditTypes the expression", fset.Position(n.Pos()))
				}
				for _, typ := range types {
					written[typ] = append(written[typ], fset.Position(n.Pos()).String())
				}
			}
			return true
		})
	}
	if writers != 1 {
		t.Fatalf("found %d conn.audit(ctx, actor, action, entityType, entityID, ...) writers, want 1: the reading of the audit writes is out of date", writers)
	}
	return written
}

// sqlAuditType reads the entity type of an audit event that a SQL
// statement writes with INSERT ... SELECT.
var sqlAuditType = regexp.MustCompile(`INSERT INTO audit \(id, actor, action, entity_type[^)]*\)\s*SELECT [^,]+, [^,]+, [^,]+, '(\w+)'`)

// isAuditWriter reports whether fn is conn.audit with the entity type as
// its fourth parameter.
func isAuditWriter(fn *ast.FuncDecl) bool {
	if fn.Name.Name != "audit" || fn.Recv == nil || len(fn.Recv.List) != 1 {
		return false
	}
	if recv, ok := fn.Recv.List[0].Type.(*ast.Ident); !ok || recv.Name != "conn" {
		return false
	}
	var params []string
	for _, p := range fn.Type.Params.List {
		for _, n := range p.Names {
			params = append(params, n.Name)
		}
	}
	return len(params) >= 4 && params[3] == "entityType"
}

// inWriter reports whether node n lies inside conn.audit in f.
func inWriter(f *ast.File, fset *token.FileSet, n ast.Node) bool {
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && isAuditWriter(fn) && fn.Pos() <= n.Pos() && n.End() <= fn.End() {
			return true
		}
	}
	return false
}

// stringValues gives every value e may take: a string literal, a
// concatenation, or string(kind) / string(x.Kind), a medperf.ComponentKind
// (either kind).
func stringValues(e ast.Expr) ([]string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return nil, false
		}
		s, err := strconv.Unquote(e.Value)
		return []string{s}, err == nil
	case *ast.ParenExpr:
		return stringValues(e.X)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return nil, false
		}
		left, okL := stringValues(e.X)
		right, okR := stringValues(e.Y)
		var out []string
		for _, l := range left {
			for _, r := range right {
				out = append(out, l+r)
			}
		}
		return out, okL && okR
	case *ast.CallExpr:
		if fn, ok := e.Fun.(*ast.Ident); ok && fn.Name == "string" && len(e.Args) == 1 && isKind(e.Args[0]) {
			return []string{string(medperf.KindDataset), string(medperf.KindModel)}, true
		}
	}
	return nil, false
}

// isKind reports whether e is named as a component kind: kind or x.Kind.
func isKind(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "kind"
	case *ast.SelectorExpr:
		return e.Sel.Name == "Kind"
	}
	return false
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
