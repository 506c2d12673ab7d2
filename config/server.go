package config

import (
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/cube"
)

// The defaults of the server's settings, in one place: LoadServer, the
// flags of `medperf server` and Server.WithDefaults all read them.
const (
	// DefaultServerAddr is where the server listens: loopback only, so a
	// server started without thought is not reachable from the network.
	DefaultServerAddr = "127.0.0.1:8000"
	// DefaultAdminEmail is the email of the admin created on an empty
	// database.
	DefaultAdminEmail = "admin@localhost"
	// DefaultDBFile is the SQLite file, in the data directory, used when
	// no database is given.
	DefaultDBFile = "registry.db"
	// DefaultMemoryLimit is the Go runtime's soft memory limit that
	// `medperf server` sets when neither --memory-limit nor GOMEMLIMIT
	// says otherwise: with it the storm of issue 11 (5,000 submissions at
	// once, 130–140 MB live at its peak) stays under 256 MB of RSS,
	// where Go's default (a heap of twice the live memory) went over.
	DefaultMemoryLimit = "192MiB"
	// MemoryLimitOff is the --memory-limit that sets no limit.
	MemoryLimitOff = "off"
	// minMemoryLimit is the smallest limit accepted: under it the
	// collector would run almost without pause on an idle server.
	minMemoryLimit = 32 << 20
)

// Server is the configuration of the registry server: the one type that
// `medperf server` (through LoadServer), `medperf demo` and tests give to
// server.Open (server.Config is this type). Empty fields take the defaults
// WithDefaults gives them. The first fields are the user's settings, read
// from the file, the environment and the flags (see LoadServer and
// docs/server.md); the fields after AdminToken are set by the program that
// embeds the server and are never read from a file.
type Server struct {
	// Addr is the TCP address to listen on, host:port; ":0" or
	// "127.0.0.1:0" picks a free port. Default DefaultServerAddr; env
	// MEDPERF_ADDR; flag --addr; file key addr.
	Addr string `yaml:"addr"`
	// DataDir is the directory holding the SQLite database and
	// admin.token, created with mode 0700. Required by server.Open;
	// LoadServer defaults it to $MEDPERF_HOME/server. Env
	// MEDPERF_DATA_DIR; flag --data-dir; file key data_dir.
	DataDir string `yaml:"data_dir"`
	// DB is a SQLite file path or a postgres:// URL. Default
	// <DataDir>/registry.db (DefaultDBFile); env MEDPERF_DB; flag --db;
	// file key db.
	DB string `yaml:"db"`
	// TLSCert and TLSKey are PEM files, both or neither; with them the
	// server speaks HTTPS. Env MEDPERF_TLS_CERT, MEDPERF_TLS_KEY; flags
	// --tls-cert, --tls-key; file keys tls_cert, tls_key.
	TLSCert string `yaml:"tls_cert"`
	TLSKey  string `yaml:"tls_key"`
	// AdminEmail is the email of the admin created on an empty database.
	// Default DefaultAdminEmail; env MEDPERF_ADMIN_EMAIL; flag
	// --admin-email; file key admin_email.
	AdminEmail string `yaml:"admin_email"`
	// AdminToken, when set, is the first admin's token instead of a fresh
	// one, and no admin.token file is written. From MEDPERF_ADMIN_TOKEN
	// only (never from a file or a flag, which other users could read).
	AdminToken string `yaml:"-"`
	// DBMaxConns bounds the database connections: on PostgreSQL all of
	// them, on SQLite the readers (SQLite always has one writer more).
	// Default 0: sqldb.Pool's default (16 on PostgreSQL; 2 × GOMAXPROCS,
	// at least 4, on SQLite). File key db_max_conns.
	DBMaxConns int `yaml:"db_max_conns"`
	// DBWait bounds how long a write waits for a database connection
	// before the request fails with 503 and Retry-After. Default 0:
	// sqldb.Pool's default, 15 s. File key db_wait (e.g. "5s").
	DBWait time.Duration `yaml:"db_wait"`
	// LogKey is the OpenSSH ed25519 private key file (mode 0600) that signs
	// the transparency log's checkpoints. Default <DataDir>/log_key,
	// created at first start. Env MEDPERF_LOG_KEY; flag --log-key; file
	// key log_key.
	LogKey string `yaml:"log_key"`
	// PprofAddr, when set, serves Go's profiler (/debug/pprof/) on a
	// second listener at this host:port, which must be a loopback address
	// (127.0.0.1, ::1 or localhost): profiles show the server's insides
	// and cost CPU, so they are never offered to the network. Default
	// none; env MEDPERF_PPROF_ADDR; flag --pprof-addr; file key
	// pprof_addr.
	PprofAddr string `yaml:"pprof_addr"`
	// MetricsAccess says who may read /metrics: "public" (anyone who
	// reaches the server, the default, for a scraper inside a private
	// network) or "admin" (a bearer token of an admin account). Env
	// MEDPERF_METRICS_ACCESS; flag --metrics-access; file key
	// metrics_access.
	MetricsAccess string `yaml:"metrics_access"`
	// MemoryLimit is the Go runtime's soft memory limit of `medperf
	// server` (runtime/debug.SetMemoryLimit): a size such as "192MiB" or
	// "1g" (cube.ParseSize), at least 32 MiB, or "off" for none. The
	// GOMEMLIMIT environment variable, when set, wins over it (see
	// server.ApplyMemoryLimit). Default DefaultMemoryLimit; env
	// MEDPERF_MEMORY_LIMIT; flag --memory-limit; file key memory_limit.
	MemoryLimit string `yaml:"memory_limit"`

	// Logger receives structured logs. Default: text logs on stderr.
	Logger *slog.Logger `yaml:"-"`
	// Version is what GET /api/v1/version reports.
	Version string `yaml:"-"`
	// MaxBodyBytes limits request bodies, in bytes. 0 means the API's
	// default, 1 MiB (api.DefaultMaxBodyBytes).
	MaxBodyBytes int64 `yaml:"-"`
	// Root, when set, builds the handler served at "/" instead of the
	// dashboard of package web, over the same service as the API (the
	// demo's player page uses it).
	Root func(svc medperf.Service) http.Handler `yaml:"-"`
}

// WithDefaults returns s with every empty field that has a default set to
// it, or a CodeInvalid error naming the field at fault: DataDir is
// required, and TLSCert and TLSKey go together.
func (s Server) WithDefaults() (Server, error) {
	if s.DataDir == "" {
		return s, medperf.FieldError("data-dir", "is required")
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		return s, medperf.FieldError("tls-key", "--tls-cert and --tls-key go together: give both or neither")
	}
	if err := checkPprofAddr(s.PprofAddr); err != nil {
		return s, err
	}
	switch s.MetricsAccess {
	case "":
		s.MetricsAccess = MetricsPublic
	case MetricsPublic, MetricsAdmin:
	default:
		return s, medperf.FieldError("metrics-access", "must be %q or %q, not %q", MetricsPublic, MetricsAdmin, s.MetricsAccess)
	}
	if s.MemoryLimit == "" {
		s.MemoryLimit = DefaultMemoryLimit
	}
	if _, err := s.MemoryLimitBytes(); err != nil {
		return s, err
	}
	if s.Addr == "" {
		s.Addr = DefaultServerAddr
	}
	if s.DB == "" {
		s.DB = filepath.Join(s.DataDir, DefaultDBFile)
	}
	if s.AdminEmail == "" {
		s.AdminEmail = DefaultAdminEmail
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return s, nil
}

// MemoryLimitBytes returns MemoryLimit in bytes, 0 for "off" (no limit),
// DefaultMemoryLimit's when MemoryLimit is empty, or a CodeInvalid error on
// "memory-limit" for anything else than a size of at least 32 MiB.
func (s Server) MemoryLimitBytes() (int64, error) {
	v := strings.TrimSpace(s.MemoryLimit)
	switch v {
	case "":
		v = DefaultMemoryLimit
	case MemoryLimitOff:
		return 0, nil
	}
	n, err := cube.ParseSize(v)
	if err != nil {
		return 0, medperf.FieldError("memory-limit", "%q is not a size: give one like 192MiB or 1g, or %q for no limit", s.MemoryLimit, MemoryLimitOff)
	}
	if n < minMemoryLimit {
		return 0, medperf.FieldError("memory-limit", "%q is under 32MiB, where the server would spend its time collecting garbage: give at least 32MiB, or %q for no limit", s.MemoryLimit, MemoryLimitOff)
	}
	return n, nil
}

// ServerFile is the server's configuration file in the home directory.
const ServerFile = "server.yaml"

// ServerFlags are the flags of `medperf server`: the values, and whether
// each was given.
type ServerFlags struct {
	Addr, DataDir, DB, TLSCert, TLSKey, AdminEmail string
	PprofAddr, MetricsAccess, LogKey, MemoryLimit  string
	Set                                            map[string]bool
	// ConfigFile overrides <home>/server.yaml when not empty.
	ConfigFile string
}

// LoadServer resolves the user's settings of the server (the fields of
// Server up to AdminToken) with the precedence defaults < file (<home>/
// server.yaml, or flags.ConfigFile, which must then exist) < MEDPERF_*
// environment < flags. The program's fields are left empty, and so is DB
// unless given (Server.WithDefaults fills it from DataDir). A file that
// cannot be read or holds an unknown key is CodeInvalid on "config".
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
		{&s.Addr, DefaultServerAddr, file.Addr, "MEDPERF_ADDR", flags.Addr, flags.Set["addr"]},
		{&s.DataDir, filepath.Join(home, "server"), file.DataDir, "MEDPERF_DATA_DIR", flags.DataDir, flags.Set["data-dir"]},
		{&s.DB, "", file.DB, "MEDPERF_DB", flags.DB, flags.Set["db"]},
		{&s.TLSCert, "", file.TLSCert, "MEDPERF_TLS_CERT", flags.TLSCert, flags.Set["tls-cert"]},
		{&s.TLSKey, "", file.TLSKey, "MEDPERF_TLS_KEY", flags.TLSKey, flags.Set["tls-key"]},
		{&s.AdminEmail, DefaultAdminEmail, file.AdminEmail, "MEDPERF_ADMIN_EMAIL", flags.AdminEmail, flags.Set["admin-email"]},
		{&s.AdminToken, "", "", "MEDPERF_ADMIN_TOKEN", "", false},
		{&s.LogKey, "", file.LogKey, "MEDPERF_LOG_KEY", flags.LogKey, flags.Set["log-key"]},
		{&s.PprofAddr, "", file.PprofAddr, "MEDPERF_PPROF_ADDR", flags.PprofAddr, flags.Set["pprof-addr"]},
		{&s.MetricsAccess, "", file.MetricsAccess, "MEDPERF_METRICS_ACCESS", flags.MetricsAccess, flags.Set["metrics-access"]},
		{&s.MemoryLimit, "", file.MemoryLimit, "MEDPERF_MEMORY_LIMIT", flags.MemoryLimit, flags.Set["memory-limit"]},
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
