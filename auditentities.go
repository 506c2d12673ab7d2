package medperf

// AuditEntityTypes returns the entity types of the audit log's events (an
// AuditEvent's EntityType, an AuditFilter's), in the order the dashboard's
// filter offers them. It is the one list of them: the dashboard builds its
// filter from it, and a test of package sqldb reads every audit write in
// the store's source and fails when a written type is missing here, or a
// type listed here is never written.
func AuditEntityTypes() []string {
	return []string{
		"user", "token", "key",
		"container", "model_key", "model_access",
		"benchmark", "dataset", "dataset_association", "model_association",
		"result",
	}
}
