// Package images builds the reference benchmark's cube images into a local
// Docker engine, through the Engine API, from the medperf binary itself: one
// FROM scratch base image holding only the binary at /medperf, and one image
// per cube whose entrypoint is `/medperf demo cube <cube>`. Nothing is pulled
// or pushed. The binary must be a static Linux executable (CGO_ENABLED=0);
// Binary finds or builds one.
package images
