// Package e2e holds medperf's end-to-end tests: they build the medperf
// binary and play every user of MedPerf's flows, each with their own
// MEDPERF_HOME, against a real server with real containers. It has no code
// of its own.
package e2e
