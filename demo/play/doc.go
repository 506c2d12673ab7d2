// Package play plays the reference benchmark end to end in one process:
// `medperf demo`. It starts an embedded registry (SQLite, in a temporary
// directory or a directory the caller keeps), creates the users through the
// API (an admin, a benchmark owner, two model owners and three data owners,
// each with a MEDPERF_HOME of their own), and plays MedPerf's whole federated
// evaluation through the code paths of the command line: a client.Client
// per user and the site.Site API for everything that runs containers or
// sends something. Nothing reaches into the store.
//
// The steps: the benchmark owner registers the preparator, the reference
// model and the evaluator and submits the benchmark (with its compatibility
// test on the demo tarball and a metrics declaration); the admin approves
// it; the two model owners register their models (model-logreg with its
// weights as an additional-files tarball) and ask to join; three data owners
// generate, register, prepare and make operational their sites' datasets
// and ask to join; the benchmark owner approves every request; each data
// owner runs every model, reviews the results and submits them; the
// benchmark owner's view of the results makes the leaderboard.
//
// Containers run with Docker when an engine answers (the cubes' images are
// built from the medperf binary first, see package images), otherwise with
// the local runtime: sandboxed by bubblewrap where it works, else as plain
// host processes, which is acceptable only because the cubes are medperf's
// own and the data synthetic (a warning says so).
package play
