package site

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"

	"github.com/medperf/medperf"
)

// LocalTest is a compatibility test run on this site (Test keeps each
// one's report under tests/<id>/report.json): what `test ls` and
// `test view` show. Storage cleanup removes them.
type LocalTest struct {
	ID string `json:"id"`
	TestReport
}

var testID = regexp.MustCompile(`^[0-9a-z]+$`)

// LocalTests returns the tests run on this site, oldest first. Folders of
// a test that did not finish (no report) are left out.
func (s *Site) LocalTests() ([]LocalTest, error) {
	entries, err := os.ReadDir(s.path(testsDir))
	if errors.Is(err, os.ErrNotExist) {
		return []LocalTest{}, nil
	}
	if err != nil {
		return nil, storageError(err)
	}
	out := []LocalTest{}
	for _, e := range entries {
		if !e.IsDir() || !testID.MatchString(e.Name()) {
			continue
		}
		t, err := s.LocalTest(e.Name())
		if medperf.ErrorCode(err) == medperf.CodeNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *t)
	}
	slices.SortStableFunc(out, func(a, b LocalTest) int { return a.RanAt.Compare(b.RanAt) })
	return out, nil
}

// LocalTest returns the report of the test id: CodeNotFound when there is
// no finished test of that id, CodeInvalid for an id that cannot be one.
func (s *Site) LocalTest(id string) (*LocalTest, error) {
	if !testID.MatchString(id) {
		return nil, medperf.FieldError("ID", "%q is not a test id (see 'medperf test ls')", id)
	}
	t := &LocalTest{ID: id}
	if err := readJSON(filepath.Join(s.path(testsDir, id), "report.json"), &t.TestReport); err != nil {
		if medperf.ErrorCode(err) == medperf.CodeNotFound {
			return nil, medperf.Errorf(medperf.CodeNotFound, "no compatibility test %s on this machine (see 'medperf test ls')", id)
		}
		return nil, err
	}
	return t, nil
}
