// Package site is the data owner's side of medperf: what runs at a hospital,
// next to the data, and decides what may leave it. For now it holds the
// dataset hashing that MedPerf uses to identify raw and prepared data
// (HashFolders); local storage, preparation, runs, review and submission
// join it as they land.
//
// Nothing in this package sends anything anywhere. Errors may name the
// paths the local user gave, so callers must never forward them to a server.
package site
