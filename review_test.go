package medperf

import (
	"encoding/json"
	"testing"
)

// TestReviewResultPatchChecksUserMetadataWithResults: a patch setting both
// results and user_metadata checks both (it returned after results and
// stored a non-object user_metadata).
func TestReviewResultPatchChecksUserMetadataWithResults(t *testing.T) {
	metrics, note := json.RawMessage(`{"dice":1}`), json.RawMessage(`"not an object"`)
	err := CheckResultPatch(Result{}, ResultPatch{Metrics: &metrics, UserMetadata: &note})
	if ErrorCode(err) != CodeInvalid || fieldOf(err) != "user_metadata" {
		t.Fatalf("error %v, want invalid user_metadata", err)
	}
	good := json.RawMessage(`{"note":1}`)
	if err := CheckResultPatch(Result{}, ResultPatch{Metrics: &metrics, UserMetadata: &good}); err != nil {
		t.Fatalf("a valid patch refused: %v", err)
	}
}

// TestReviewAssociationKindIsDatasetOrModel: the association rule refuses
// any kind but dataset and model, whoever asks.
func TestReviewAssociationKindIsDatasetOrModel(t *testing.T) {
	pre := AssociationPreconditions{Kind: "benchmark", BenchmarkStatus: StatusApproved, ComponentState: StateOperation,
		ComponentValid: true, IsModel: true}
	err := CheckAssociationRequest(AssociationParties{Caller: admin, BenchmarkOwner: 2, ComponentOwner: 3}, pre)
	if ErrorCode(err) != CodeInvalid || fieldOf(err) != "kind" {
		t.Fatalf("error %v, want invalid kind", err)
	}
	for _, k := range []ComponentKind{KindDataset, KindModel} {
		if err := CheckComponentKind(k); err != nil {
			t.Errorf("%s refused: %v", k, err)
		}
	}
	if err := CheckComponentKind(""); ErrorCode(err) != CodeInvalid {
		t.Errorf("empty kind: %v", err)
	}
}
