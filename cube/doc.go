// Package cube reads the containers MedPerf runs: container_config.yaml (every
// container_type) and the legacy MLCube mlcube.yaml, both parsed into one
// Config. It validates them with errors that name the file, the field and its
// line; resolves the mount plan of a task (mount key → host path) into a Spec
// with limits, a timeout and the image identity to check; fetches, verifies and
// safely extracts additional files; and defines the Runtime interface that the
// adapters (cube/docker, cube/apptainer, cube/local) implement.
package cube
