// Package medperftest gives medperf's tests their real dependencies: a Docker
// engine, a fresh PostgreSQL database, a Chromium browser. Require skips a test
// whose dependency is missing, with a one-line reason, unless the
// MEDPERF_TEST_REQUIRE environment variable names the dependency (for example
// MEDPERF_TEST_REQUIRE=docker,postgres,chromium in CI): then it fails the test,
// so that nothing CI is meant to run is silently skipped.
package medperftest
