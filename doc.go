// Package medperf is the vocabulary of the medperf federated-evaluation
// platform: its entities, their states, the approval rules as pure functions,
// the service interfaces that the server, the dashboard and the client all
// implement or call, and the one error type they share.
//
// This package imports the standard library only, so that every other
// package, including the smallest client, can depend on it without pulling
// in databases, HTTP servers or container engines. A test enforces this.
package medperf
