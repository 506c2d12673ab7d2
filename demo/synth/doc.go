// Package synth generates the reference benchmark's synthetic data: 3D
// brain-like volumes (an ellipsoid brain with cerebrospinal fluid, grey and
// white matter and ventricles) holding bright lesions, with their lesion
// masks, as NIfTI-1 files. Every site has its own acquisition and population
// (Site): intensity scale, a smooth multiplicative bias field, noise, voxel
// size, lesion sizes and a share of hard cases (faint, small lesions), so that
// models rank differently from one site to the next, which is why federated
// evaluation exists. Everything is deterministic from a seed; nothing is
// derived from real patients.
package synth
