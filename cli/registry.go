package cli

import (
	"github.com/medperf/medperf/client"
)

// registry returns a client of the current profile's server.
func (e *env) registry() (*client.Client, error) {
	cl, _, err := e.newClient("", false)
	return cl, err
}
