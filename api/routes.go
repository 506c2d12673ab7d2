package api

import "net/http"

// routes is the table of every route. The OpenAPI document (openapi.go)
// describes each; a test checks that the two agree.
func (h *Handler) routes() []route {
	return []route{
		{"GET", "/version", h.version},
		{"GET", "/openapi.json", h.openapi},
		{"GET", "/me", h.me},
		{"GET", "/me/tokens", h.listTokens},
		{"POST", "/me/tokens", h.createToken},
		{"DELETE", "/me/tokens/{id}", h.revokeToken},
		{"GET", "/users", h.listUsers},
		{"POST", "/users", h.createUser},
		{"GET", "/users/{id}", h.getUser},
		{"GET", "/users/{id}/card", h.userCard},
		{"GET", "/containers", h.listContainers},
		{"POST", "/containers", h.createContainer},
		{"GET", "/containers/{id}", h.getContainer},
		{"PATCH", "/containers/{id}", h.updateContainer},
		{"PUT", "/containers/{id}/signature", h.signContainer},
		{"GET", "/benchmarks", h.listBenchmarks},
		{"POST", "/benchmarks", h.createBenchmark},
		{"GET", "/benchmarks/{id}", h.getBenchmark},
		{"PATCH", "/benchmarks/{id}", h.updateBenchmark},
		{"GET", "/benchmarks/{id}/datasets", h.listAssociations("dataset")},
		{"POST", "/benchmarks/{id}/datasets", h.requestAssociation("dataset")},
		{"GET", "/benchmarks/{id}/datasets/{component}", h.associationHistory("dataset")},
		{"PATCH", "/benchmarks/{id}/datasets/{component}", h.decideAssociation("dataset")},
		{"GET", "/benchmarks/{id}/models", h.listAssociations("model")},
		{"POST", "/benchmarks/{id}/models", h.requestAssociation("model")},
		{"GET", "/benchmarks/{id}/models/{component}", h.associationHistory("model")},
		{"PATCH", "/benchmarks/{id}/models/{component}", h.decideAssociation("model")},
		{"GET", "/benchmarks/{id}/results", h.benchmarkResults},
		{"GET", "/benchmarks/{id}/leaderboard", h.leaderboard},
		{"GET", "/datasets", h.listDatasets},
		{"POST", "/datasets", h.createDataset},
		{"GET", "/datasets/{id}", h.getDataset},
		{"PATCH", "/datasets/{id}", h.updateDataset},
		{"GET", "/results", h.listResults},
		{"POST", "/results", h.submitResult},
		{"GET", "/results/{id}", h.getResult},
		{"PATCH", "/results/{id}", h.updateResult},
		{"GET", "/audit", h.listAudit},
		{"GET", "/me/keys", h.listMyKeys},
		{"POST", "/me/keys", h.registerKey},
		{"DELETE", "/me/keys/{id}", h.revokeKey},
		{"GET", "/users/{id}/keys", h.listUserKeys},
		{"GET", "/log/key", h.logKey},
		{"GET", "/log/checkpoint", h.logCheckpoint},
		{"GET", "/log/proof/inclusion", h.logInclusion},
		{"GET", "/log/proof/consistency", h.logConsistency},
		{"GET", "/log/leaves", h.logLeaves},
		{"GET", "/benchmarks/{id}/models/{component}/access", h.modelAccess},
		{"PATCH", "/benchmarks/{id}/models/{component}/access", h.setModelAccess},
		{"POST", "/benchmarks/{id}/models/{component}/keys", h.grantModelKey},
		{"DELETE", "/benchmarks/{id}/models/{component}/keys", h.deleteModelKeys},
		{"GET", "/benchmarks/{id}/models/{component}/keys/{user}", h.getModelKey},
		{"DELETE", "/benchmarks/{id}/models/{component}/keys/{user}", h.revokeModelKey},
	}
}

// VersionInfo is the body of GET /api/v1/version.
type VersionInfo struct {
	Version    string `json:"version"`
	APIVersion string `json:"api_version"`
}

func (h *Handler) version(*http.Request) (int, any, error) {
	return http.StatusOK, VersionInfo{Version: h.cfg.Version, APIVersion: "v1"}, nil
}
