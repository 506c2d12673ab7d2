package sqldb

import "time"

// SubmissionSlots is how many result submissions the store runs at once
// (its checks and its write); the API admits that many write requests
// before reading their bodies, so that the rest wait with shallow stacks.
func (d *DB) SubmissionSlots() int { return cap(d.slots) }

// WriteWait is how long a write waits for a connection or a submission
// slot before it fails with CodeUnavailable (Pool.Wait after defaults).
func (d *DB) WriteWait() time.Duration { return d.pool.Wait }
