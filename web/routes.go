package web

import "net/http"

type route struct {
	method, path string
	h            http.Handler
}

// routeTable lists every route of the dashboard. Pages need a session
// (anonymous callers are sent to the sign-in page); posts also need the
// session's CSRF token.
func routeTable(h *Handler) []route {
	return []route{
		{"GET", "/static/style.css", http.HandlerFunc(serveCSS)},
		{"GET", "/signin", http.HandlerFunc(h.signInPage)},
		{"POST", "/signin", http.HandlerFunc(h.signIn)},
		{"POST", "/signout", h.page(h.signOut)},
		{"GET", "/{$}", h.page(h.home)},
		{"GET", "/benchmarks", h.page(h.benchmarks)},
		{"GET", "/benchmarks/new", h.page(h.newBenchmarkPage)},
		{"POST", "/benchmarks", h.page(h.createBenchmark)},
		{"GET", "/benchmarks/{id}", h.page(h.benchmark)},
		{"GET", "/benchmarks/{id}/docs", h.page(h.benchmarkDocs)},
		{"GET", "/benchmarks/{id}/associations", h.page(h.associations)},
		{"GET", "/benchmarks/{id}/associations/{kind}/{component}", h.page(h.approval)},
		{"POST", "/benchmarks/{id}/associations/{kind}/{component}", h.page(h.decide)},
		{"POST", "/benchmarks/{id}/publish", h.page(h.publish)},
		{"GET", "/benchmarks/{id}/leaderboard", h.page(h.leaderboard)},
		{"GET", "/benchmarks/{id}/leaderboard.csv", h.page(h.leaderboardCSV)},
		{"GET", "/containers", h.page(h.containers)},
		{"GET", "/containers/new", h.page(h.newContainerPage)},
		{"POST", "/containers", h.page(h.createContainer)},
		{"GET", "/containers/{id}", h.page(h.container)},
		{"GET", "/datasets", h.page(h.datasets)},
		{"GET", "/datasets/{id}", h.page(h.dataset)},
		{"GET", "/results", h.page(h.results)},
		{"GET", "/results.csv", h.page(h.resultsCSV)},
		{"GET", "/results/{id}", h.page(h.result)},
		{"GET", "/admin/users", h.page(h.users)},
		{"POST", "/admin/users", h.page(h.createUser)},
		{"GET", "/tokens", h.page(h.tokens)},
		{"POST", "/tokens", h.page(h.createToken)},
		{"POST", "/tokens/{id}/revoke", h.page(h.revokeToken)},
		{"GET", "/audit", h.page(h.audit)},
		{"GET", "/trust", h.page(h.trustPage)},
		{"GET", "/containers/{id}/json/{field}", h.page(h.rawJSON("container", h.containerJSON))},
		{"GET", "/datasets/{id}/json/{field}", h.page(h.rawJSON("dataset", h.datasetJSON))},
		{"GET", "/results/{id}/json/{field}", h.page(h.rawJSON("result", h.resultJSON))},
	}
}

func (h *Handler) routes() {
	for _, r := range routeTable(h) {
		h.mux.Handle(r.method+" "+r.path, r.h)
	}
	h.mux.Handle("/", h.page(h.notFound))
}

func serveCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(styleCSS)
}
