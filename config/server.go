package config

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
)

// Server is the configuration of `medperf server`.
type Server struct {
	// Addr is the listen address. Default 127.0.0.1:8000; env MEDPERF_ADDR;
	// flag --addr; file key addr.
	Addr string `yaml:"addr"`
	// DataDir holds the SQLite file and admin.token. Default
	// $MEDPERF_HOME/server; env MEDPERF_DATA_DIR; flag --data-dir.
	DataDir string `yaml:"data_dir"`
	// DB is a SQLite path or a postgres:// URL. Default
	// <data-dir>/registry.db; env MEDPERF_DB; flag --db.
	DB string `yaml:"db"`
	// TLSCert and TLSKey are PEM files (both or neither). Env
	// MEDPERF_TLS_CERT, MEDPERF_TLS_KEY; flags --tls-cert, --tls-key.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// AdminEmail is the first admin's email. Default admin@localhost; env
	// MEDPERF_ADMIN_EMAIL; flag --admin-email.
	AdminEmail string `yaml:"admin_email"`
	// AdminToken is the first admin's token, from MEDPERF_ADMIN_TOKEN only
	// (never from a file or a flag, which other users could read).
	AdminToken string `yaml:"-"`
}

// ServerFile is the server's configuration file in the home directory.
const ServerFile = "server.yaml"

// ServerFlags are the flags of `medperf server`: the values, and whether
// each was given.
type ServerFlags struct {
	Addr, DataDir, DB, TLSCert, TLSKey, AdminEmail string
	Set                                            map[string]bool
	// ConfigFile overrides <home>/server.yaml when not empty.
	ConfigFile string
}

// LoadServer resolves the server's configuration.
func LoadServer(getenv Getenv, flags ServerFlags) (Server, error) {
	home, err := Home(getenv)
	if err != nil {
		return Server{}, err
	}
	path := flags.ConfigFile
	if path == "" {
		path = filepath.Join(home, ServerFile)
	}
	var file Server
	if err := readYAML(path, &file, flags.ConfigFile != ""); err != nil {
		return Server{}, err
	}
	var s Server
	resolve(getenv, []setting{
		{&s.Addr, "127.0.0.1:8000", file.Addr, "MEDPERF_ADDR", flags.Addr, flags.Set["addr"]},
		{&s.DataDir, filepath.Join(home, "server"), file.DataDir, "MEDPERF_DATA_DIR", flags.DataDir, flags.Set["data-dir"]},
		{&s.DB, "", file.DB, "MEDPERF_DB", flags.DB, flags.Set["db"]},
		{&s.TLSCert, "", file.TLSCert, "MEDPERF_TLS_CERT", flags.TLSCert, flags.Set["tls-cert"]},
		{&s.TLSKey, "", file.TLSKey, "MEDPERF_TLS_KEY", flags.TLSKey, flags.Set["tls-key"]},
		{&s.AdminEmail, "admin@localhost", file.AdminEmail, "MEDPERF_ADMIN_EMAIL", flags.AdminEmail, flags.Set["admin-email"]},
		{&s.AdminToken, "", "", "MEDPERF_ADMIN_TOKEN", "", false},
	})
	return s, nil
}

// readYAML decodes the YAML file at path into v, refusing unknown keys. A
// missing file is fine unless required.
func readYAML(path string, v any, required bool) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil
	}
	if err != nil {
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "config", Message: "cannot read the configuration file " + path, Err: err}
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return &medperf.Error{Code: medperf.CodeInvalid, Field: "config", Message: "the configuration file " + path + " is not valid: " + err.Error(), Err: err}
	}
	return nil
}
