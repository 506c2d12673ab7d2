// Package nifti reads and writes NIfTI-1 single-file volumes (.nii, and .nii.gz
// when the name says so): the 348-byte header with magic "n+1", three spatial
// dimensions, the voxel size in millimetres, and the data types the reference
// benchmark uses. Reading honours scl_slope/scl_inter and both byte orders;
// writing is little-endian, unscaled, with vox_offset 352. Anything else (4D
// volumes, pair files "ni1", complex or RGB data) is refused with a clear
// CodeInvalid error, never a panic, so that malformed uploads cannot crash a cube.
package nifti
