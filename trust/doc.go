// Package trust holds medperf's evidence: identities (ed25519 key files),
// signed results (in-toto Statements in DSSE envelopes), the transparency log
// (an RFC 6962 Merkle tree with signed checkpoints and proofs), key wrapping
// for private models (age) and the stream decryptor for MedPerf's
// GPG-symmetric container archives.
//
// Everything here is pure: no HTTP and no SQL. The store, the API and the CLI
// wire these building blocks; the contracts they rely on are written on each
// exported name. Every format is a standard one so that participants can
// verify evidence without medperf (docs/trust.md shows how, with ssh-keygen,
// openssl and age).
//
// Errors are *medperf.Error values with these codes:
//   - CodeInvalid: malformed input, or evidence that does not verify (a bad
//     signature, a wrong payload type, a checkpoint signed by an unknown key);
//     the message names what is wrong.
//   - CodeConflict: a Merkle proof that does not check, i.e. the log does not
//     contain what it claims or has been rewritten since a checkpoint.
//   - CodeForbidden: a private key file that other users can read, or a
//     wrapped secret that was not wrapped for the given key.
//   - CodeNotFound: a key file that does not exist.
//   - CodeInternal: anything unexpected (its message is "internal error").
package trust
