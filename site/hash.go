package site

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/medperf/medperf"
)

// readSize is the size of each read from a file, as in MedPerf. It does not
// change the hash; it bounds each worker's memory and the time between two
// checks for cancellation.
const readSize = 64 << 10

// progressEvery is how many bytes a worker hashes between two progress
// reports within one large file.
const progressEvery = 16 << 20

// Progress is a snapshot of a hashing run. Files and Bytes count what is
// done; TotalFiles and TotalBytes what the walk found.
type Progress struct {
	Files      int
	TotalFiles int
	Bytes      int64
	TotalBytes int64
}

// Digest is the result of hashing a set of folders.
type Digest struct {
	// Hash is the MedPerf-compatible hash of the folders: lowercase hex.
	Hash string `json:"hash"`
	// Files is how many files were hashed; Bytes their total size.
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// Hasher hashes folders the way MedPerf does, on several cores. The zero
// value is ready to use.
type Hasher struct {
	// Workers is how many files are hashed at once; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Progress, when set, is called after each file and every 16 MiB within
	// a large one, never concurrently, with the counts so far. It must not
	// block for long: workers wait for it.
	Progress func(Progress)
	// Within, when set, confines the walk to that folder: for data a
	// container wrote (prepared data), whose symbolic links are the
	// container's choice. Every path must lie inside it; a symbolic link
	// that leads out of it is refused (CodeInvalid), never followed, and
	// errors name files by their path relative to Within only.
	Within string
}

// HashFolders returns the MedPerf-compatible hash of the folders at paths,
// using every core; see Hasher.Hash.
func HashFolders(ctx context.Context, paths ...string) (string, error) {
	d, err := Hasher{}.Hash(ctx, paths...)
	return d.Hash, err
}

// Hash returns the MedPerf-compatible hash of the folders at paths: the
// sha256 of every file found by walking them, as lowercase hex digests,
// sorted, concatenated, and hashed again with sha256, as lowercase hex. File
// names, folder layout and the order of paths do not count; a file reached
// twice (overlapping folders) counts twice, as in MedPerf. No folder and no
// file at all gives the sha256 of the empty string.
//
// What the walk takes, matching MedPerf's os.walk: regular files, and
// symbolic links to regular files (their target's content). Symbolic links
// to folders are not followed, except when given as a path. Every path must
// be a folder.
//
// Where MedPerf silently hashes fewer files, Hash refuses with a CodeInvalid
// error: a missing path or a path that is not a folder, an unreadable
// folder or file, a broken symbolic link, a device, pipe or socket. Its
// message names the path, for the local user only. A canceled ctx stops the
// workers within one read and gives a CodeCanceled error.
func (h Hasher) Hash(ctx context.Context, paths ...string) (Digest, error) {
	var files []fileEntry
	w, err := newWalker(h.Within)
	if err != nil {
		return Digest{}, err
	}
	for i, p := range paths {
		found, err := w.listFiles(ctx, i, p)
		if err != nil {
			return Digest{}, err
		}
		files = append(files, found...)
	}
	digests, err := h.hashAll(ctx, files)
	if err != nil {
		return Digest{}, err
	}
	d := Digest{Hash: combine(digests), Files: len(files)}
	for _, f := range files {
		d.Bytes += f.size
	}
	return d, nil
}

// combine is the last step of MedPerf's algorithm: sort the hex digests and
// hash their concatenation.
func combine(digests []string) string {
	sort.Strings(digests)
	all := sha256.New()
	for _, d := range digests {
		io.WriteString(all, d)
	}
	return hex.EncodeToString(all.Sum(nil))
}

// run is the state one Hash call shares between its workers.
type run struct {
	files    []fileEntry
	digests  []string
	next     atomic.Int64
	progress func(Progress)

	mu   sync.Mutex // guards done and calls to progress
	done Progress
}

// hashAll hashes files on h.Workers goroutines and returns their hex
// digests, in the order of files.
func (h Hasher) hashAll(ctx context.Context, files []fileEntry) ([]string, error) {
	r := &run{files: files, digests: make([]string, len(files)), progress: h.Progress}
	r.done.TotalFiles = len(files)
	for _, f := range files {
		r.done.TotalBytes += f.size
	}
	// Largest first, so that one big file does not start last and leave
	// the other cores idle at the end.
	order := make([]int, len(files))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return files[order[a]].size > files[order[b]].size })

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := h.workers(len(files))
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.work(ctx, order); err != nil {
				errs <- err
				cancel()
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := firstError(errs); err != nil {
		return nil, err
	}
	return r.digests, nil
}

func (h Hasher) workers(files int) int {
	n := h.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return max(1, min(n, files))
}

// firstError prefers a file's error over the cancellation it caused in the
// other workers.
func firstError(errs <-chan error) error {
	var canceled error
	for err := range errs {
		if medperf.ErrorCode(err) != medperf.CodeCanceled {
			return err
		}
		canceled = err
	}
	return canceled
}

// work hashes files, taking the next index from r.next, until none is left.
func (r *run) work(ctx context.Context, order []int) error {
	buf := make([]byte, readSize)
	for {
		i := int(r.next.Add(1)) - 1
		if i >= len(order) {
			return nil
		}
		f := r.files[order[i]]
		sum, err := r.hashFile(ctx, f, buf)
		if err != nil {
			return err
		}
		r.digests[order[i]] = sum
	}
}

func (r *run) hashFile(ctx context.Context, f fileEntry, buf []byte) (string, error) {
	file, err := os.Open(f.path)
	if err != nil {
		return "", f.fail("cannot be opened", err)
	}
	defer file.Close()
	h := sha256.New()
	var pending int64
	for {
		if err := ctx.Err(); err != nil {
			return "", canceled(err)
		}
		n, err := file.Read(buf)
		h.Write(buf[:n])
		pending += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", f.fail("cannot be read", err)
		}
		if pending >= progressEvery {
			r.report(0, pending)
			pending = 0
		}
	}
	r.report(1, pending)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// report adds to the counts done and tells the progress callback.
func (r *run) report(files int, bytes int64) {
	if r.progress == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done.Files += files
	r.done.Bytes += bytes
	r.progress(r.done)
}

func canceled(err error) error {
	return &medperf.Error{Code: medperf.CodeCanceled, Message: "hashing canceled", Err: err}
}
