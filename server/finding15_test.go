package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/medperftest"
)

// TestFinding15RegistryRefusesWhatSitesRefuse: a container config every
// site refuses (cube's parser) and an image hash a site cannot check are
// refused at registration and at a config change, with CodeInvalid naming
// the field (the registry accepted them all).
func TestFinding15RegistryRefusesWhatSitesRefuse(t *testing.T) {
	ctx := context.Background()
	ts := medperftest.NewServer(t)
	w := ts.World(t)
	task := func(t string) string {
		return `{"container_type":"DockerImage","image":"example.org/m:1","tasks":{"infer":` + t + `}}`
	}
	configs := []struct{ name, config, field string }{
		{"privileged", task(`{"run_args":{"privileged":true}}`), "config.tasks.infer.run_args.privileged"},
		{"network", task(`{"run_args":{"network":"host"}}`), "config.tasks.infer.run_args.network"},
		{"volumes", task(`{"run_args":{"volumes":["/:/host"]}}`), "config.tasks.infer.run_args.volumes"},
		{"mount path at the root", task(`{"input_volumes":{"data_path":{"mount_path":"/"}}}`), "config.tasks.infer.input_volumes.data_path.mount_path"},
		{"relative mount path", task(`{"input_volumes":{"data_path":{"mount_path":"../x"}}}`), "config.tasks.infer.input_volumes.data_path.mount_path"},
		{"task named ../x", `{"container_type":"DockerImage","image":"example.org/m:1","tasks":{"../x":{}}}`, "config.tasks.../x"},
		{"unknown container type", `{"container_type":"Chroot","image":"x","tasks":{"infer":{}}}`, "config.container_type"},
	}
	for _, c := range configs {
		t.Run("config with "+c.name+" is refused", func(t *testing.T) {
			in := medperftest.ContainerInput("bad", medperf.StateDevelopment, medperf.TaskInfer)
			in.Config = json.RawMessage(c.config)
			_, err := w.ModelOwner.CreateContainer(ctx, in)
			wantField(t, err, c.field)
		})
		t.Run("config changed to one with "+c.name+" is refused", func(t *testing.T) {
			x := medperftest.MustContainer(t, w.ModelOwner, medperftest.ContainerInput("dev", medperf.StateDevelopment, medperf.TaskInfer))
			cfg := json.RawMessage(c.config)
			_, err := w.ModelOwner.UpdateContainer(ctx, x.ID, medperf.ContainerPatch{Config: &cfg})
			wantField(t, err, c.field)
		})
	}
	hex := strings.Repeat("ab", 32)
	for _, h := range []string{"md5:abc", "sha256:" + hex[:63], "sha256:" + strings.ToUpper(hex), hex, "sha512:" + hex} {
		t.Run("image hash "+h+" is refused", func(t *testing.T) {
			in := medperftest.ContainerInput("hash", medperf.StateDevelopment, medperf.TaskInfer)
			in.ImageHash = h
			_, err := w.ModelOwner.CreateContainer(ctx, in)
			wantField(t, err, "image_hash")
		})
	}
	t.Run("a config the sites accept is accepted", func(t *testing.T) {
		in := medperftest.ContainerInput("good", medperf.StateDevelopment, medperf.TaskInfer)
		in.Config = json.RawMessage(task(`{"run_args":{"gpus":"all"},"input_volumes":{"data_path":{"mount_path":"/mlcube_io0"}}}`))
		medperftest.MustContainer(t, w.ModelOwner, in)
	})
}

func wantField(t *testing.T, err error, field string) {
	t.Helper()
	var e *medperf.Error
	if !errors.As(err, &e) || e.Code != medperf.CodeInvalid || e.Field != field {
		t.Fatalf("error %v (code %s), want invalid on %s", err, medperf.ErrorCode(err), field)
	}
}
