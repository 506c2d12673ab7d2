package cube

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/medperf/medperf"
)

// TestARootInvocationNeverRunsTasksAsRoot (issue 13, container contract 6).
func TestARootInvocationNeverRunsTasksAsRoot(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("skipping: the rule is about medperf run as root (CI runs as root)")
	}
	cfg, err := ParseConfig("c.yaml", []byte("container_type: DockerImage\nimage: x\ntasks:\n  prepare:\n    input_volumes:\n      data_path: {mount_path: /d, type: directory}\n    output_volumes:\n      output_path: {mount_path: /o, type: directory}\n"))
	if err != nil {
		t.Fatal(err)
	}
	spec := func(t *testing.T, data string, runAs int) (*Spec, error) {
		return NewSpec(Request{Config: cfg, Task: "prepare", RunAsUID: runAs,
			Mounts: map[string]string{"data_path": data, "output_path": filepath.Join(t.TempDir(), "out")}})
	}
	folder := func(t *testing.T, mode os.FileMode, uid int) string {
		d := filepath.Join(t.TempDir(), "data")
		if err := os.Mkdir(d, mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(d, mode)
		if err := os.Chown(d, uid, uid); err != nil {
			t.Fatal(err)
		}
		return d
	}
	t.Run("as the owner of the dataset's folder when that is not root", func(t *testing.T) {
		s, err := spec(t, folder(t, 0o700, 1234), 0)
		if err != nil || s.UID != 1234 || s.GID != 1234 {
			t.Fatalf("spec %+v, %v; want uid 1234", s, err)
		}
	})
	t.Run("as nobody when root owns the folder", func(t *testing.T) {
		s, err := spec(t, folder(t, 0o755, 0), 0)
		if err != nil || s.UID != DefaultRunAsUID || s.GID != DefaultRunAsUID {
			t.Fatalf("spec %+v, %v; want uid %d", s, err, DefaultRunAsUID)
		}
	})
	t.Run("as the configured uid when one is set", func(t *testing.T) {
		s, err := spec(t, folder(t, 0o755, 0), 4321)
		if err != nil || s.UID != 4321 {
			t.Fatalf("spec %+v, %v; want uid 4321", s, err)
		}
	})
	t.Run("an input that user cannot read is refused naming the mount", func(t *testing.T) {
		_, err := spec(t, folder(t, 0o700, 0), 0)
		var e *medperf.Error
		if medperf.ErrorCode(err) != medperf.CodeInvalid || !asField(err, &e, "--mount data_path") {
			t.Fatalf("got %v, want invalid naming --mount data_path", err)
		}
	})
}

// TestARootInvocationGivesTheTaskWhatMedperfWrote: inputs under the
// folders medperf manages (its storage) become the task user's, so that a
// task run as nobody reads its parameters and prepared data; outputs that
// exist already become that user's too; the user's own data is never
// changed.
func TestARootInvocationGivesTheTaskWhatMedperfWrote(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("skipping: the rule is about medperf run as root (CI runs as root)")
	}
	cfg, err := ParseConfig("c.yaml", []byte("container_type: DockerImage\nimage: x\ntasks:\n  infer:\n    input_volumes:\n      data_path: {mount_path: /d, type: directory}\n      raw: {mount_path: /r, type: directory}\n    output_volumes:\n      output_path: {mount_path: /o, type: directory}\n"))
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	prepared := filepath.Join(home, "prepared")
	os.MkdirAll(filepath.Join(prepared, "cases"), 0o700)
	os.WriteFile(filepath.Join(prepared, "cases", "c1"), []byte("x"), 0o600)
	raw := filepath.Join(t.TempDir(), "raw")
	os.Mkdir(raw, 0o755)
	out := filepath.Join(home, "predictions")
	os.Mkdir(out, 0o700)
	s, err := NewSpec(Request{Config: cfg, Task: "infer", Managed: []string{home},
		Mounts: map[string]string{"data_path": prepared, "raw": raw, "output_path": out}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateOutputs(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{prepared, filepath.Join(prepared, "cases", "c1"), out} {
		if st, _ := ownerOf(p); int(st.Uid) != DefaultRunAsUID {
			t.Errorf("%s belongs to %d, want the task's user %d", p, st.Uid, DefaultRunAsUID)
		}
	}
	if st, _ := ownerOf(raw); st.Uid != 0 {
		t.Errorf("the user's own data was given away (owner %d)", st.Uid)
	}
}

func asField(err error, e **medperf.Error, field string) bool {
	var me *medperf.Error
	if !errors.As(err, &me) {
		return false
	}
	*e = me
	return me.Field == field
}
