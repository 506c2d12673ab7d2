package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/medperf/medperf"
)

func envOf(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestServerPrecedence(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ServerFile), []byte("addr: 0.0.0.0:9000\ndb: /file.db\nadmin_email: file@x.org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{HomeEnv: home, "MEDPERF_DB": "/env.db", "MEDPERF_ADMIN_EMAIL": "env@x.org", "MEDPERF_ADMIN_TOKEN": "tok"}
	flags := ServerFlags{AdminEmail: "flag@x.org", Set: map[string]bool{"admin-email": true}}
	s, err := LoadServer(envOf(env), flags)
	if err != nil {
		t.Fatal(err)
	}
	want := Server{Addr: "0.0.0.0:9000", DataDir: filepath.Join(home, "server"), DB: "/env.db", AdminEmail: "flag@x.org", AdminToken: "tok"}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v\nwant %+v", s, want)
	}
	t.Run("a flag given empty still wins", func(t *testing.T) {
		s, _ := LoadServer(envOf(env), ServerFlags{DB: "", Set: map[string]bool{"db": true}})
		if s.DB != "" {
			t.Fatalf("db %q", s.DB)
		}
	})
	t.Run("an unknown key in the file is invalid", func(t *testing.T) {
		os.WriteFile(filepath.Join(home, ServerFile), []byte("adress: x\n"), 0o600)
		_, err := LoadServer(envOf(env), ServerFlags{})
		if medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatal(err)
		}
	})
	t.Run("a missing --config file is invalid", func(t *testing.T) {
		_, err := LoadServer(envOf(env), ServerFlags{ConfigFile: filepath.Join(home, "nope.yaml")})
		if medperf.ErrorCode(err) != medperf.CodeInvalid {
			t.Fatal(err)
		}
	})
	t.Run("defaults apply with no file, env or flag", func(t *testing.T) {
		s, _ := LoadServer(envOf(map[string]string{HomeEnv: t.TempDir()}), ServerFlags{})
		if s.Addr != "127.0.0.1:8000" || s.AdminEmail != "admin@localhost" || s.AdminToken != "" {
			t.Fatalf("%+v", s)
		}
	})
}

func TestProfiles(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	p, err := LoadProfiles(home)
	if err != nil {
		t.Fatal(err)
	}
	p.Set(Profile{Server: "https://a.example/", Token: "ta"})
	p.Set(Profile{Server: "https://b.example", Token: "tb"})
	p.Set(Profile{Server: "https://a.example", Token: "ta2"})
	if err := p.Save(home); err != nil {
		t.Fatal(err)
	}
	t.Run("the file has mode 0600", func(t *testing.T) {
		fi, err := os.Stat(filepath.Join(home, ProfilesFile))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%v %v", fi.Mode(), err)
		}
	})
	t.Run("one profile per server, the last set is current", func(t *testing.T) {
		q, _ := LoadProfiles(home)
		if len(q.Profiles) != 2 || q.Current != "https://a.example" {
			t.Fatalf("%+v", q)
		}
		got, _ := ResolveClient(envOf(map[string]string{HomeEnv: home}), "", false)
		if got.Token != "ta2" {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("the flag picks another saved server; the env token wins", func(t *testing.T) {
		got, _ := ResolveClient(envOf(map[string]string{HomeEnv: home}), "https://b.example", true)
		if got.Token != "tb" {
			t.Fatalf("%+v", got)
		}
		got, _ = ResolveClient(envOf(map[string]string{HomeEnv: home, "MEDPERF_TOKEN": "te"}), "https://b.example", true)
		if got.Token != "te" {
			t.Fatalf("%+v", got)
		}
	})
	t.Run("no profile is unauthorized", func(t *testing.T) {
		_, err := ResolveClient(envOf(map[string]string{HomeEnv: t.TempDir()}), "", false)
		if medperf.ErrorCode(err) != medperf.CodeUnauthorized {
			t.Fatal(err)
		}
	})
	t.Run("remove forgets the current profile", func(t *testing.T) {
		q, _ := LoadProfiles(home)
		if !q.Remove("https://a.example") || q.Current != "" || q.Remove("https://a.example") {
			t.Fatalf("%+v", q)
		}
	})
}
