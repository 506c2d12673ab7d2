#!/usr/bin/env bash
# Times `medperf dataset hash` against MedPerf's own way (bench/medperf_hash.py,
# the same algorithm in single-threaded Python with hashlib) on one folder of
# deterministic pseudo-random files, with a warm page cache, side by side in
# one run, and checks that both print the same hash.
#
# Usage: bash bench/hash.sh [DIR]     (from the repository root)
# Environment: FILES (2000), TOTAL_MIB (1024), RUNS (5).
# Uses hyperfine when it is installed (apt-get install -y hyperfine), else a
# plain timing loop.
set -euo pipefail

dir=${1:-/tmp/medperf-hash-bench}
files=${FILES:-2000}
total_mib=${TOTAL_MIB:-1024}
runs=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(mktemp -d)/medperf
trap 'rm -rf "$(dirname "$bin")"' EXIT

# The folder: FILES files whose sizes vary from a quarter to 1.75 times the
# mean, TOTAL_MIB MiB in all, ten to a subfolder; content from a seeded
# generator, so every run and every machine hashes the same bytes.
stamp="${dir%/}.made-$files-$total_mib" # beside the folder: a file inside would be hashed too
if [[ ! -f $stamp ]]; then
	rm -rf "$dir" && mkdir -p "$dir"
	python3 - "$dir" "$files" "$total_mib" <<'PY'
import os, random, sys
folder, n, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) << 20
rng = random.Random(20261126)
weights = [rng.uniform(0.25, 1.75) for _ in range(n)]
sizes = [int(total * w / sum(weights)) for w in weights]
sizes[-1] += total - sum(sizes)
for i, size in enumerate(sizes):
    sub = os.path.join(folder, "%04d" % (i // 10))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "case-%05d.bin" % i), "wb") as f:
        f.write(rng.randbytes(size))
PY
	touch "$stamp"
fi

(cd "$root" && CGO_ENABLED=0 go build -o "$bin" ./cmd/medperf)
find "$dir" -type f -exec cat {} + >/dev/null # warm the page cache

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(python3 --version), $(go version | cut -d' ' -f3)"
echo "folder: $(find "$dir" -type f | wc -l) files, $(find "$dir" -type f -printf '%s\n' | awk '{s += $1} END {print s / 1048576}') MiB"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# How much of the machine is free: the share of CPU time spent idle over 2 s.
idle_share() {
	local a b
	a=($(head -1 /proc/stat)) && sleep 2 && b=($(head -1 /proc/stat))
	local total=0 i
	for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
	echo "$((100 * (b[4] - a[4]) / total))%"
}
echo "CPU idle over 2 s before timing: $(idle_share)"

py_hash=$(python3 "$root/bench/medperf_hash.py" "$dir")
go_hash=$("$bin" dataset hash "$dir" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["hash"])')
echo "python hash:  $py_hash"
echo "medperf hash: $go_hash"
if [[ $py_hash != "$go_hash" ]]; then
	echo "FAIL: the hashes differ" >&2
	exit 1
fi

py_cmd="python3 $root/bench/medperf_hash.py $dir"
go_cmd="$bin dataset hash $dir"
if command -v hyperfine >/dev/null; then
	hyperfine --warmup 1 --runs "$runs" -N -n python-medperf "$py_cmd" -n medperf-go "$go_cmd"
else
	for name in python-medperf medperf-go; do
		cmd=$py_cmd
		[[ $name == medperf-go ]] && cmd=$go_cmd
		start=$(date +%s.%N)
		for ((i = 0; i < runs; i++)); do $cmd >/dev/null; done
		end=$(date +%s.%N)
		echo "$name: mean $(python3 -c "print(round(($end - $start) / $runs, 3))") s over $runs runs"
	done
fi

# Other work on the machine changes over seconds, and hyperfine times one
# command's runs before the other's; timing the two in alternation, pair by
# pair, gives each pair the same conditions.
echo "interleaved: $runs pairs, python then medperf, seconds"
python3 - "$runs" "$py_cmd" "$go_cmd" <<'PY'
import shlex, statistics, subprocess, sys, time
runs, py, go = int(sys.argv[1]), shlex.split(sys.argv[2]), shlex.split(sys.argv[3])
def timed(cmd):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start
ratios = []
for i in range(runs):
    p, g = timed(py), timed(go)
    ratios.append(p / g)
    print("  pair %d: python %.3f  medperf %.3f  speed-up %.2fx" % (i + 1, p, g, p / g))
print("  median speed-up %.2fx (min %.2fx, max %.2fx)" % (statistics.median(ratios), min(ratios), max(ratios)))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
