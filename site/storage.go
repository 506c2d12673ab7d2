package site

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/medperf/medperf"
)

// StorageDir returns the storage root of server under the medperf home:
// home/storage/<host_port>, so that the ids of two servers never mix.
func StorageDir(home, server string) string {
	return filepath.Join(home, "storage", serverDirName(server))
}

// serverDirName names a server in a path: its host, port and path, with
// anything but letters, digits, dots and dashes replaced.
func serverDirName(server string) string {
	name := server
	if u, err := url.Parse(server); err == nil && u.Host != "" {
		name = u.Host + strings.TrimRight(u.Path, "/")
	}
	return unsafeChars.ReplaceAllString(name, "_")
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// The folders under a Site's Home.
const (
	datasetsDir   = "datasets"
	resultsDir    = "results"
	runsDir       = "runs"
	containersDir = "cache/containers"
	filesDir      = "cache/additional_files"
	demoDir       = "cache/demo"
	testsDir      = "tests"
	logsDir       = "logs"
)

// StorageAreas lists the folders of a Site's Home that `storage ls` shows,
// and whether cleanup may remove them (caches and test runs may go; datasets
// and results are the user's work).
var StorageAreas = []struct {
	Name      string
	Removable bool
}{
	{datasetsDir, false}, {resultsDir, false}, {runsDir, false},
	{containersDir, true}, {filesDir, true}, {demoDir, true}, {testsDir, true}, {logsDir, true},
}

func (s *Site) path(parts ...string) string {
	return filepath.Join(append([]string{s.Home}, parts...)...)
}

// writeJSON writes v to file atomically: a temporary file in the same
// folder, synced, then renamed over file, so that a kill at any moment
// leaves either the old or the new content.
func writeJSON(file string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return &medperf.Error{Code: medperf.CodeInternal, Err: err}
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return storageError(err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), ".tmp-*")
	if err != nil {
		return storageError(err)
	}
	defer os.Remove(tmp.Name())
	if _, err = tmp.Write(append(b, '\n')); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		return storageError(err)
	}
	if d, err := os.Open(filepath.Dir(file)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// readJSON reads file into v; a missing file is CodeNotFound.
func readJSON(file string, v any) error {
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return &medperf.Error{Code: medperf.CodeNotFound, Message: "no local record", Err: err}
	}
	if err != nil {
		return storageError(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &medperf.Error{Code: medperf.CodeInternal, Message: fmt.Sprintf("the local record %s is damaged: remove it and run the command again", filepath.Base(file)), Err: err}
	}
	return nil
}

func storageError(err error) error {
	return &medperf.Error{Code: medperf.CodeInvalid, Message: "cannot write to the medperf storage: check MEDPERF_HOME's permissions and free space", Err: err}
}

// Usage is the disk use of one storage area.
type Usage struct {
	Area      string `json:"area"`
	Path      string `json:"path"`
	Bytes     int64  `json:"bytes"`
	Files     int    `json:"files"`
	Removable bool   `json:"removable"`
}

// StorageUsage returns the disk use of every area of the Site's Home.
func (s *Site) StorageUsage() ([]Usage, error) {
	var out []Usage
	for _, a := range StorageAreas {
		u := Usage{Area: a.Name, Path: s.path(a.Name), Removable: a.Removable}
		filepath.WalkDir(u.Path, func(_ string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				if fi, err := d.Info(); err == nil {
					u.Bytes += fi.Size()
					u.Files++
				}
			}
			return nil
		})
		out = append(out, u)
	}
	return out, nil
}

// Cleanup removes the removable areas (caches, test runs, logs) and, with
// results, the local results that were already submitted. It returns the
// bytes freed.
func (s *Site) Cleanup(submittedResults bool) (int64, error) {
	before, _ := s.StorageUsage()
	for _, a := range StorageAreas {
		if a.Removable {
			if err := os.RemoveAll(s.path(a.Name)); err != nil {
				return 0, storageError(err)
			}
		}
	}
	if submittedResults {
		results, err := s.LocalResults(ResultQuery{})
		if err != nil {
			return 0, err
		}
		for _, r := range results {
			if r.Submitted != nil {
				os.RemoveAll(filepath.Join(s.path(resultsDir), r.key()))
			}
		}
	}
	after, _ := s.StorageUsage()
	var freed int64
	for i := range before {
		freed += before[i].Bytes - after[i].Bytes
	}
	return freed, nil
}
