package site_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/medperf/medperf/site"
)

// BenchmarkHashFolders hashes a folder of pseudo-random files with one
// worker and with one per core. MEDPERF_BENCH_HASH_DIR names an existing
// folder to hash instead (bench/hash.sh makes a 1 GiB, 2,000-file one);
// otherwise a 128 MiB, 256-file folder is generated.
func BenchmarkHashFolders(b *testing.B) {
	dir := os.Getenv("MEDPERF_BENCH_HASH_DIR")
	if dir == "" {
		dir = b.TempDir()
		mustRandomFiles(b, dir, 256, 512<<10)
	}
	warm, err := site.Hasher{}.Hash(context.Background(), dir) // warms the page cache
	if err != nil {
		b.Fatal(err)
	}
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(warm.Bytes)
			for b.Loop() {
				if _, err := (site.Hasher{Workers: workers}).Hash(context.Background(), dir); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// mustRandomFiles writes n files of size bytes of deterministic
// pseudo-random content under dir, ten to a subfolder.
func mustRandomFiles(tb testing.TB, dir string, n, size int) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, size)
	for i := range n {
		for j := range buf {
			buf[j] = byte(rng.Uint32())
		}
		p := filepath.Join(dir, fmt.Sprintf("%03d", i/10), fmt.Sprintf("case-%05d.bin", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, buf, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}
