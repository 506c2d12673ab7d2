// Package auth makes and checks API tokens: 256-bit random secrets, shown
// once, stored only as their SHA-256, compared in constant time. It does no
// routing and no storage; the store keeps the hashes and the API reads the
// bearer header.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Prefix starts every token, so that a leaked token is easy to recognise in
// a secret scanner.
const Prefix = "mpt_"

// SecretBytes is the entropy of a token: 32 bytes, 256 bits.
const SecretBytes = 32

// NewToken returns a fresh random token.
func NewToken() string {
	b := make([]byte, SecretBytes)
	// crypto/rand.Read never fails (it panics on a broken kernel source).
	rand.Read(b)
	return Prefix + base64.RawURLEncoding.EncodeToString(b)
}

// WellFormed reports whether s has the shape of a token made by NewToken
// or given by an operator: the prefix and at least SecretBytes of base64.
func WellFormed(s string) bool {
	body, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	return err == nil && len(b) >= SecretBytes
}

// Hash returns the hex SHA-256 of a token, the only form the server stores.
// A plain hash suffices: tokens carry 256 random bits, so there is nothing to
// brute-force.
func Hash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Equal compares two token hashes in constant time.
func Equal(hashA, hashB string) bool {
	return subtle.ConstantTimeCompare([]byte(hashA), []byte(hashB)) == 1
}

// Bearer returns the token of an Authorization header value
// "Bearer <token>", or "" when the header has another form.
func Bearer(header string) string {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
