// Package archive extracts untrusted tar and tar.gz archives (a model's
// additional files) safely: every entry must stay inside the target directory.
// Absolute names, ".." parts, links that lead out of the target, device files,
// fifos and archives past the size or file-count caps are rejected with a
// *RejectError, and a rejected archive leaves nothing behind.
package archive
