// Package cubes holds the programs of the reference benchmark's containers:
// the data preparator (prepare, sanity_check, statistics), three segmentation
// models (infer) and the evaluator (evaluate). Each follows MedPerf's container
// contract: it reads its inputs from the mount keys of the task (data_path,
// labels_path, parameters_file, additional_files, predictions, labels) and
// writes its outputs (output_path, output_labels_path, metadata_path,
// report_file, local_outputs_path) at the default mount paths under
// /mlcommons/volumes unless told otherwise (see DefaultMounts).
//
// The programs run inside FROM scratch images that hold only the medperf
// binary, as `medperf demo cube <cube> <task>` (see package cli).
package cubes
