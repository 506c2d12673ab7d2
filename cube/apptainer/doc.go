// Package apptainer runs cube tasks through the Apptainer (or Singularity)
// command line, as MedPerf does: `run -eC` (clean environment, everything
// contained), `--net --network none`, `--bind src:dst[:ro]` for the plan's
// mounts, `--nv` when GPUs are asked for. Images are SIF files verified by
// sha256, Docker archives verified the same way, or registry images pinned to
// their registered digest.
package apptainer
