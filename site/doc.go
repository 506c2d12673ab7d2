// Package site is the data owner's side of medperf (and the local side of
// every other user): what runs next to the data and decides what may leave
// the machine. The command line calls it, and so does `medperf demo`, which
// plays every user in one process with one Site per user.
//
// # The API
//
// A Site is one user against one server:
//
//	s := &site.Site{
//		Home:     site.StorageDir(medperfHome, serverURL), // local state, one folder per server
//		Registry: client,                                  // a medperf.Service acting as the user
//		Runtime:  runtime,                                 // a cube.Runtime (docker, apptainer, local)
//		Out:      os.Stderr,                               // progress lines; nil is quiet
//		Confirm:  ask,                                     // shown the exact JSON payload before it is sent
//	}
//
// Its methods follow MedPerf's flows (reference/medperf.md, "The flows"):
//   - SubmitContainer: a container's (or model's) registration, its hashes
//     computed here (set ImageID to read DockerImage ids from an engine).
//   - SubmitBenchmark: compatibility test of the three containers on the demo
//     data, then registration with the demo hashes and the reference results.
//   - SubmitDataset, Prepare, SetOperational, AssociateDataset: a dataset's
//     life, from the raw data's hash to an association request.
//   - AssociateModel: a model's compatibility test and association request.
//   - Run and SubmitResult: every approved model by priority plus the
//     reference model, results kept locally (LocalResults), then submitted.
//   - Test: the compatibility test alone, registering nothing.
//   - StorageUsage and Cleanup: what the local storage holds and reclaiming it.
//   - HashFolders and Hasher: MedPerf's dataset hash, on every core.
//
// # Storage and resumability
//
// Under Home: datasets/<id>/ (the local record with the raw data's paths,
// the prepared data, the statistics, the preparation journal), results/
// b<B>-m<M>-d<D>/ (predictions, results.yaml and result.json), runs/ (run
// journals), cache/ (containers, additional files and demo data, by id or
// hash), tests/ and logs/. Every record is written atomically (temporary
// file, fsync, rename). A preparation or a run records each finished step in
// a Journal: killed at any moment (Ctrl-C, kill -9), it continues from the
// last finished step, and refuses to continue on data whose hash changed.
// A result's idempotency key is saved before its first submission, so that a
// retried submission never makes a second result.
//
// # What leaves the machine
//
// Only hashes, statistics, metrics and the names and free text the user
// typed. Paths stay in the local records; every payload is shown to Confirm
// first, and a refusal sends nothing (CodeCanceled). Errors may name the
// paths the local user gave, so callers must never forward them to a server.
package site
