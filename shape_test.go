package medperf_test

import (
	"encoding/json"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/medperf/medperf"

// goPackage is the part of `go list -json` these tests read.
type goPackage struct {
	ImportPath string
	Standard   bool
	Imports    []string
	Deps       []string
}

// listPackages runs `go list -json` with args from the module root.
func listPackages(t *testing.T, args ...string) []goPackage {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []goPackage
	for dec.More() {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func isStandard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// TestImportRules keeps the package map of DESIGN.md honest.
func TestImportRules(t *testing.T) {
	pkgs := listPackages(t, "./...")
	byPath := map[string]goPackage{}
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}

	// The root is the vocabulary every package shares; anything heavy here
	// would reach every binary and every test.
	t.Run("root imports the standard library only", func(t *testing.T) {
		for _, imp := range byPath[module].Imports {
			if !isStandard(imp) {
				t.Errorf("package medperf imports %s", imp)
			}
		}
	})

	// wire is the API's wire format, read by client and written by api: it
	// must stay as light as the root so that client can import it without
	// pulling in anything of the server.
	t.Run("wire imports the standard library and the root only", func(t *testing.T) {
		p, ok := byPath[module+"/wire"]
		if !ok {
			t.Fatal("package wire is missing: the rule would check nothing")
		}
		for _, imp := range p.Imports {
			if !isStandard(imp) && imp != module {
				t.Errorf("package wire imports %s", imp)
			}
		}
	})

	// The CLI is a client of a remote registry: it must work without the
	// store, the dashboard, the server's handlers or a database driver
	// compiled into its code path, and it must never bypass the API's
	// authorization by reaching the store directly.
	forbiddenForClient := []string{
		module + "/sqldb", module + "/web", module + "/server", module + "/api",
		"github.com/jackc/pgx", "modernc.org/sqlite", "github.com/lib/pq", "github.com/mattn/go-sqlite3",
	}
	t.Run("client reaches no store, web or driver", func(t *testing.T) {
		p, ok := byPath[module+"/client"]
		if !ok {
			t.Fatal("package client is missing: the rule would check nothing")
		}
		for _, dep := range p.Deps {
			for _, bad := range forbiddenForClient {
				if dep == bad || strings.HasPrefix(dep, bad+"/") {
					t.Errorf("client depends on %s", dep)
				}
			}
		}
	})

	// Adapters meet only where server and cli wire them, so each can be
	// replaced or tested alone; what two adapters share lives below them
	// (the root, leaderboard, wire). In particular web and api both call
	// package leaderboard and never each other.
	adapters := []string{"sqldb", "client", "cube/docker", "cube/apptainer", "cube/local", "web", "api"}
	t.Run("adapters do not import each other", func(t *testing.T) {
		for _, a := range adapters {
			p, ok := byPath[module+"/"+a]
			if !ok {
				t.Errorf("adapter %s is missing: the rule would check nothing for it", a)
				continue
			}
			for _, imp := range p.Imports {
				for _, b := range adapters {
					if b != a && imp == module+"/"+b {
						t.Errorf("adapter %s imports adapter %s", a, b)
					}
				}
			}
		}
	})

	// The Docker client is one outside system with one adapter: the error
	// classification, the engine address (DOCKER_HOST, Podman's socket) and
	// the image checks live in cube/docker, so that no other package dials
	// an engine its own way or reads its answers differently. medperftest
	// builds probe images for tests.
	t.Run("only cube/docker and medperftest import the Docker client", func(t *testing.T) {
		allowed := map[string]bool{module + "/cube/docker": true, module + "/medperftest": true}
		for path, p := range byPath {
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, "github.com/docker/docker/") && !allowed[path] {
					t.Errorf("%s imports %s; use the API of cube/docker (client.go)", path, imp)
				}
			}
		}
	})

	// Package names like these say nothing about what is inside, so no
	// reader finds a behaviour in them in one guess (DESIGN.md, principle 10).
	t.Run("no grab-bag package names", func(t *testing.T) {
		for path := range byPath {
			base := filepath.Base(path)
			switch base {
			case "util", "utils", "common", "helpers", "misc":
				t.Errorf("package %s has a grab-bag name", path)
			}
		}
	})
}

// TestEveryPackageHasADocComment fails when a package of the module has no
// package comment in any of its non-test files.
func TestEveryPackageHasADocComment(t *testing.T) {
	dirs := map[string]bool{} // dir -> has doc comment
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir := filepath.Dir(path)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		dirs[dir] = dirs[dir] || (f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 3 {
		t.Fatalf("found only %d packages; is the test running from the module root?", len(dirs))
	}
	for dir, ok := range dirs {
		if !ok {
			t.Errorf("package in %s has no package comment", dir)
		}
	}
}

func TestMain(m *testing.M) {
	// go test runs in the package directory, which for the root package is
	// the module root; the checks above rely on it.
	if _, err := os.Stat("go.mod"); err != nil {
		panic("shape tests must run from the module root")
	}
	os.Exit(m.Run())
}

// TestDevelopmentDocMapsEveryPackage keeps docs/development.md's package map
// true: every package of the module has a row, and every row a package.
func TestDevelopmentDocMapsEveryPackage(t *testing.T) {
	b, err := os.ReadFile("docs/development.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if name, ok := strings.CutPrefix(line, "| `"); ok {
			name, _, _ = strings.Cut(name, "`")
			rows[name] = true
		}
	}
	pkgs := map[string]bool{}
	for _, p := range listPackages(t, "./...") {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if rel == "" {
			rel = "."
		}
		pkgs[rel] = true
		if !rows[rel] {
			t.Errorf("package %s has no row in docs/development.md's package map", rel)
		}
	}
	for name := range rows {
		if strings.Contains(name, "/") || name == "." || !strings.ContainsAny(name, "-") && !strings.HasPrefix(name, "MEDPERF") {
			if !pkgs[name] && looksLikePackage(name) {
				t.Errorf("docs/development.md maps %s, which is not a package", name)
			}
		}
	}
}

// looksLikePackage tells a package row of the map from the other tables'
// first cells (dependencies, codes), which are single lower-case words.
func looksLikePackage(name string) bool {
	return name == "." || strings.Contains(name, "/")
}
