package cubes

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/demo/nifti"
)

// maxParametersSize bounds parameters files, which are small by nature.
const maxParametersSize = 1 << 20

// readParameters decodes the YAML parameters file at path into v, refusing
// unknown keys so that a typo is an error rather than a silent default.
func readParameters(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return medperf.FieldError("parameters_file", "cannot read the parameters file %s: mount it (or pass --parameters_file)", path)
	}
	if len(b) > maxParametersSize {
		return medperf.FieldError("parameters_file", "parameters file is larger than 1 MiB")
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "parameters_file", Message: "not valid parameters: " + yamlReason(err), Err: err}
	}
	return nil
}

// yamlReason returns the YAML decoder's description of a bad document; it
// names lines and fields of the parameters file, never data.
func yamlReason(err error) string {
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// writeYAML writes v as YAML to path in a single write. Output files are
// often bind mounts of their own, so the file is written in place rather than
// renamed over; the text is complete before the file is touched.
func writeYAML(path string, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return &medperf.Error{Code: medperf.CodeInvalid, Message: "cannot write " + filepath.Base(path) + ": is its mount writable?", Err: err}
	}
	return nil
}

// niftiExt returns the NIfTI extension of name (.nii.gz or .nii), or "".
func niftiExt(name string) string {
	for _, ext := range []string{".nii.gz", ".nii"} {
		if strings.HasSuffix(name, ext) && len(name) > len(ext) {
			return ext
		}
	}
	return ""
}

// listCases returns the case names (file names without .nii or .nii.gz) of
// the NIfTI files in dir, sorted, with their file names. key names the mount
// in errors. Other files are ignored; two files for one case are an error.
func listCases(dir, key string) ([]string, map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, medperf.FieldError(key, "cannot read the %s directory: is it mounted?", key)
	}
	files := map[string]string{}
	for _, e := range entries {
		ext := niftiExt(e.Name())
		if ext == "" || !e.Type().IsRegular() {
			continue
		}
		c := strings.TrimSuffix(e.Name(), ext)
		if _, dup := files[c]; dup {
			return nil, nil, medperf.FieldError(key, "case %s has both a .nii and a .nii.gz file", c)
		}
		files[c] = e.Name()
	}
	cases := make([]string, 0, len(files))
	for c := range files {
		cases = append(cases, c)
	}
	sort.Strings(cases)
	return cases, files, nil
}

// readCase reads one case's volume, naming the case (not the path) in errors.
func readCase(dir, name, c string) (*nifti.Volume, error) {
	v, err := nifti.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, &medperf.Error{Code: medperf.ErrorCode(err), Message: "case " + c + ": " + medperf.ErrorMessage(err), Err: err}
	}
	return v, nil
}

// writeCase writes one case's volume as <dir>/<case>.nii.gz.
func writeCase(dir, c string, v *nifti.Volume, dt nifti.Datatype) error {
	if err := nifti.WriteFile(filepath.Join(dir, c+".nii.gz"), v, dt); err != nil {
		return &medperf.Error{Code: medperf.ErrorCode(err), Message: "case " + c + ": cannot write its output (" + medperf.ErrorMessage(err) + ")", Err: err}
	}
	return nil
}

// requireDir checks that an output directory mount exists.
func requireDir(path, key string) error {
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		return medperf.FieldError(key, "the %s directory does not exist: mount it (or pass --%s)", key, key)
	}
	return nil
}
