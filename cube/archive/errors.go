package archive

import (
	"fmt"

	"github.com/medperf/medperf"
)

// Reason says why an archive was rejected.
type Reason string

// The reasons of a RejectError.
const (
	ReasonAbsolutePath Reason = "absolute_path"   // an entry or link target names an absolute path
	ReasonParentPath   Reason = "parent_path"     // an entry name has a ".." part
	ReasonSymlinkEsc   Reason = "symlink_escape"  // a symbolic link leads out of the target
	ReasonHardlinkEsc  Reason = "hardlink_escape" // a hard link names no regular file of the archive
	ReasonSpecialFile  Reason = "special_file"    // a device file, fifo or other non-regular entry
	ReasonTooLarge     Reason = "too_large"       // the files add up to more than MaxBytes
	ReasonTooManyFiles Reason = "too_many_files"  // more entries than MaxFiles
	ReasonDuplicate    Reason = "duplicate"       // two entries at one path, or an entry under a link
	ReasonMalformed    Reason = "malformed"       // not a readable tar or tar.gz
)

// RejectError is the error of a rejected archive. It unwraps to a
// medperf.Error with CodeTooLarge for the size and count caps and
// CodeInvalid otherwise.
type RejectError struct {
	Reason Reason
	// Entry is the archive entry at fault ("" when not about one entry).
	Entry  string
	Detail string
}

func (e *RejectError) Error() string { return e.err().Error() }

// Unwrap gives the medperf.Error that carries the code.
func (e *RejectError) Unwrap() error { return e.err() }

func (e *RejectError) err() *medperf.Error {
	code := medperf.CodeInvalid
	if e.Reason == ReasonTooLarge || e.Reason == ReasonTooManyFiles {
		code = medperf.CodeTooLarge
	}
	msg := "unsafe archive rejected"
	if e.Entry != "" {
		msg += fmt.Sprintf(": entry %q", e.Entry)
	}
	return medperf.Errorf(code, "%s: %s", msg, e.Detail)
}

func reject(r Reason, entry, format string, args ...any) error {
	return &RejectError{Reason: r, Entry: entry, Detail: fmt.Sprintf(format, args...)}
}
