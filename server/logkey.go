package server

import (
	"path/filepath"

	"github.com/medperf/medperf"
	"github.com/medperf/medperf/trust"
)

// LogKeyFile is the transparency log's signing key in the data directory,
// created at first start unless Config.LogKey names another file.
const LogKeyFile = "log_key"

// loadLogKey returns the log's signing key: the file cfg.LogKey names (which
// must exist), else <DataDir>/log_key, created with mode 0600 when missing.
func (s *Server) loadLogKey() (*trust.Identity, error) {
	if s.cfg.LogKey != "" {
		id, err := trust.LoadIdentity(s.cfg.LogKey)
		if err != nil {
			return nil, &medperf.Error{Code: medperf.ErrorCode(err), Field: "log-key", Message: "cannot use the log key " + s.cfg.LogKey + ": " + medperf.ErrorMessage(err), Err: err}
		}
		return id, nil
	}
	path := filepath.Join(s.cfg.DataDir, LogKeyFile)
	id, err := trust.LoadIdentity(path)
	if medperf.ErrorCode(err) != medperf.CodeNotFound {
		return id, err
	}
	if id, err = trust.NewIdentity(); err != nil {
		return nil, err
	}
	if err := trust.SaveIdentity(path, id, "medperf transparency log"); err != nil {
		return nil, err
	}
	s.cfg.Logger.Info("created the transparency log's signing key", "path", path, "fingerprint", id.Public().Fingerprint())
	return id, nil
}

// useLogKey loads the log key and hands it to the store.
func (s *Server) useLogKey() error {
	id, err := s.loadLogKey()
	if err != nil {
		return err
	}
	return s.store.SetLogKey(id)
}
