package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/cubes"
	"github.com/medperf/medperf/demo/synth"
)

// newDemoCmd is `medperf demo`, which plays the reference benchmark (see
// demo_play.go), and its subcommands: the benchmark's data, images and cube
// programs.
func newDemoCmd(e *env) *cobra.Command {
	c := &cobra.Command{Use: "demo", Args: cobra.NoArgs}
	addDemoPlay(e, c)
	c.AddCommand(newDemoDataCmd(e), newDemoImagesCmd(e), newDemoCubeCmd(e))
	return c
}

// mountKeys are every mount key of every cube task; `demo cube` takes each
// as a flag.
var mountKeys = []string{"data_path", "labels_path", "parameters_file", "additional_files", "output_path",
	"output_labels_path", "metadata_path", "report_file", "predictions", "labels", "local_outputs_path"}

func newDemoCubeCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:    "cube CUBE TASK [--KEY=PATH ...]",
		Short:  "Run one task of one of the reference benchmark's cubes (the program inside its image)",
		Long:   "Runs a task of a reference cube, reading and writing the task's mount keys at their default paths under /mlcommons/volumes unless a --KEY=PATH flag or, without one, a MEDPERF_MOUNT_<KEY> variable (set by the unsandboxed local runtime) moves one.",
		Hidden: true,
		Args:   cobra.ExactArgs(2),
	}
	paths := map[string]*string{}
	for _, k := range mountKeys {
		paths[k] = c.Flags().String(k, "", "path of the "+k+" mount (default: the task's mount path)")
	}
	c.RunE = func(c *cobra.Command, args []string) error {
		m := cubes.Mounts{}
		for _, k := range mountKeys {
			if c.Flags().Changed(k) {
				m[k] = *paths[k]
			} else if p := os.Getenv("MEDPERF_MOUNT_" + strings.ToUpper(k)); p != "" {
				m[k] = p // the host path, from the local runtime without a sandbox
			}
		}
		return cubes.Run(args[0], args[1], m, e.stdout)
	}
	return c
}

// demoData is what `demo data` prints.
type demoData struct {
	Path   string `json:"path"`
	Site   string `json:"site"`
	Cases  int    `json:"cases"`
	Seed   uint64 `json:"seed"`
	SHA256 string `json:"sha256,omitempty"`
}

func newDemoDataCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "data (--site NAME --cases N | --demo) --out PATH",
		Short: "Generate a synthetic dataset of one site, or the benchmark's demo dataset tarball",
		Long: "With --site, writes N cases of that site's synthetic data under --out as data/<case>.nii.gz and labels/<case>.nii.gz\n" +
			"(site-a, site-b and site-c are the named sites of the reference benchmark; any other name gets characteristics\n" +
			"derived from it). With --demo, writes the benchmark's demo dataset as a .tar.gz holding paths.yaml, data/ and labels/.",
		Example: "  medperf demo data --site site-a --cases 20 --out ./site-a\n  medperf demo data --demo --out demo.tar.gz",
		Args:    cobra.NoArgs,
	}
	site := c.Flags().String("site", "", "site whose data to generate")
	n := c.Flags().Int("cases", 10, "number of cases (with --site)")
	demo := c.Flags().Bool("demo", false, "write the demo dataset tarball instead of a site's data")
	out := c.Flags().String("out", "", "output directory (with --site, empty or absent) or tarball file (with --demo)")
	seed := c.Flags().Uint64("seed", 1, "random seed: the same seed gives the same data")
	format := outputFlag(c)
	c.RunE = func(*cobra.Command, []string) error {
		if *out == "" {
			return medperf.FieldError("--out", "required: where to write the data")
		}
		var res demoData
		var err error
		switch {
		case *demo && *site != "":
			return medperf.FieldError("--demo", "use either --demo or --site, not both")
		case *demo:
			res, err = writeDemoTarball(*out, *seed)
		case *site != "":
			res, err = writeSiteData(*out, *site, *n, *seed)
		default:
			return medperf.FieldError("--site", "required unless --demo is given")
		}
		if err != nil {
			return err
		}
		return render(e.stdout, *format, res, func() table {
			rows := [][]string{{"path", res.Path}, {"site", res.Site}, {"cases", strconv.Itoa(res.Cases)}, {"seed", fmt.Sprint(res.Seed)}}
			if res.SHA256 != "" {
				rows = append(rows, []string{"sha256", res.SHA256})
			}
			return table{rows: rows}
		})
	}
	return c
}

func writeSiteData(out, site string, n int, seed uint64) (demoData, error) {
	if err := synth.CheckSiteName(site); err != nil {
		return demoData{}, err
	}
	if err := synth.WriteDataset(out, synth.SiteNamed(site), n, seed); err != nil {
		return demoData{}, err
	}
	return demoData{Path: out, Site: site, Cases: n, Seed: seed}, nil
}

// writeDemoTarball writes the demo tarball to out through a temporary file,
// refusing to replace an existing file.
func writeDemoTarball(out string, seed uint64) (demoData, error) {
	if _, err := os.Lstat(out); err == nil {
		return demoData{}, medperf.FieldError("--out", "the file already exists; choose a new path")
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".demo-*.tar.gz")
	if err != nil {
		return demoData{}, medperf.FieldError("--out", "cannot create a file in that directory")
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	werr := synth.WriteDemoTarball(io.MultiWriter(tmp, h), seed)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return demoData{}, &medperf.Error{Code: medperf.CodeInternal, Err: werr}
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return demoData{}, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return demoData{}, &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	return demoData{Path: out, Site: "demo", Cases: synth.DemoCases, Seed: seed, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
