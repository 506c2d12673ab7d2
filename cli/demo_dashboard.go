package cli

import (
	"net/http"

	"github.com/medperf/medperf"
)

// dashboard builds the dashboard `medperf demo` serves at "/"; nil serves
// the API alone (the dashboard lands with the web package).
var dashboard func(medperf.Service) http.Handler
