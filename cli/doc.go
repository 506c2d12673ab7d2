// Package cli is the medperf command tree. Run parses the arguments, runs one
// command and turns its error into a message on stderr and an exit status
// chosen by the error's code (see ExitCode), so that scripts can tell a
// missing entity from a refused permission without reading text.
//
// Each command group lives in a file of its own; every list and view command
// prints as a table, JSON or YAML (see the output flag).
package cli
