// Package config resolves medperf's configuration: the home directory, the
// server's settings, the client's profiles (a server URL and its token, one
// per server) and the site settings of the commands that run containers
// (runtime, limits, timeouts; ResolveSite), into typed values. Every setting
// follows one precedence rule: defaults < file (profile) < MEDPERF_*
// environment < flags; docs/configuration.md lists them all.
// No secret has a default. Files holding tokens are written with mode 0600.
package config

import (
	"os"
	"path/filepath"

	"github.com/medperf/medperf"
)

// Getenv reads an environment variable; tests pass their own.
type Getenv func(string) string

// HomeEnv names the environment variable of the medperf home directory.
const HomeEnv = "MEDPERF_HOME"

// Home returns the medperf home directory: $MEDPERF_HOME, or ~/.medperf.
func Home(getenv Getenv) (string, error) {
	if h := getenv(HomeEnv); h != "" {
		return h, nil
	}
	dir, err := os.UserHomeDir()
	if err != nil {
		return "", &medperf.Error{Code: medperf.CodeInvalid, Field: HomeEnv, Message: "no home directory: set MEDPERF_HOME", Err: err}
	}
	return filepath.Join(dir, ".medperf"), nil
}

// setting is one configuration value and where each layer finds it.
type setting struct {
	dst     *string
	def     string // the default
	file    string // the value from the file, "" when absent
	env     string // the name of the environment variable
	flag    string // the flag's value
	flagSet bool   // whether the flag was given
}

// resolve applies the precedence rule to every setting: a flag given on the
// command line wins, then a non-empty environment variable, then the file,
// then the default.
func resolve(getenv Getenv, settings []setting) {
	for _, s := range settings {
		v := s.def
		if s.file != "" {
			v = s.file
		}
		if s.env != "" {
			if e := getenv(s.env); e != "" {
				v = e
			}
		}
		if s.flagSet {
			v = s.flag
		}
		*s.dst = v
	}
}
