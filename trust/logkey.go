package trust

// LogKeyInfo is the public side of the key that signs a registry's
// transparency log: what the API serves and what `medperf auth login` pins
// on first use.
type LogKeyInfo struct {
	// Origin names the log and is the signing key's name.
	Origin string `json:"origin"`
	// VerifierKey is the C2SP signed-note verifier key of the log,
	// "<origin>+<key hash>+<key>" (CheckpointVerifierKey), as
	// golang.org/x/mod/sumdb/note reads it.
	VerifierKey string `json:"verifier_key"`
	// PublicKey is the key's authorized-key line, Fingerprint its SHA256
	// fingerprint (what ssh-keygen -lf prints).
	PublicKey   string `json:"public_key"`
	Fingerprint string `json:"fingerprint"`
}
