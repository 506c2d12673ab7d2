#!/usr/bin/env bash
# bench/container-overhead.sh: medperf's per-task overhead against a bare
# `docker run` of the same image with the same isolation flags, and of the
# local bubblewrap sandbox against a bare bwrap. Needs Docker, bwrap,
# hyperfine (apt-get install -y hyperfine) and Go. Figures go to
# docs/performance.md, section "Container runtime".
#   bash bench/container-overhead.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
work=$(mktemp -d /tmp/medperf-bench.XXXXXX)
trap 'docker rmi -f medperf-bench-probe:latest >/dev/null 2>&1; rm -rf "$work"' EXIT

CGO_ENABLED=0 go build -o "$work/medperf" ./cmd/medperf
CGO_ENABLED=0 go build -o "$work/ctx/probe" ./cube/testdata/probe
printf 'FROM scratch\nCOPY probe /probe\nENTRYPOINT ["/probe"]\n' >"$work/ctx/Dockerfile"
docker build -q -t medperf-bench-probe:latest "$work/ctx" >/dev/null
mkdir -p "$work/data" "$work/out"
echo case >"$work/data/a.txt"
echo "threshold: 1" >"$work/params.yaml"
for image in medperf-bench-probe:latest ../ctx/probe; do
	name=docker; [ "$image" = ../ctx/probe ] && name=local
	mkdir -p "$work/$name"
	cat >"$work/$name/container_config.yaml" <<YAML
container_type: DockerImage
image: $image
tasks:
  infer:
    run_args:
      command: [read:/mlcommons/volumes/data/a.txt, write:/mlcommons/volumes/predictions/p.txt]
    input_volumes:
      data_path: {mount_path: /mlcommons/volumes/data, type: directory}
      parameters_file: {mount_path: /mlcommons/volumes/parameters/parameters_file.yaml, type: file}
    output_volumes:
      output_path: {mount_path: /mlcommons/volumes/predictions, type: directory}
YAML
done
mounts="-p $work/params.yaml --mount data_path=$work/data --mount output_path=$work/out --cache-dir $work/cache"
uidgid="$(id -u):$(id -g)"

hyperfine -N --warmup 3 --runs "$runs" --export-markdown "$work/result.md" \
	-n 'bare docker run' "docker run --rm --network none --user $uidgid --cap-drop ALL --security-opt no-new-privileges --read-only --tmpfs /tmp --pids-limit 4096 -v $work/data:/mlcommons/volumes/data:ro -v $work/params.yaml:/mlcommons/volumes/parameters/parameters_file.yaml:ro -v $work/out:/mlcommons/volumes/predictions medperf-bench-probe:latest read:/mlcommons/volumes/data/a.txt write:/mlcommons/volumes/predictions/p.txt" \
	-n 'medperf run-test --runtime docker' "$work/medperf container run-test -m $work/docker/container_config.yaml -t infer $mounts" \
	-n 'bare bwrap' "bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL --ro-bind /usr /usr --symlink usr/lib /lib --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp --ro-bind $work/ctx $work/ctx --ro-bind $work/data /mlcommons/volumes/data --bind $work/out /mlcommons/volumes/predictions -- $work/ctx/probe read:/mlcommons/volumes/data/a.txt write:/mlcommons/volumes/predictions/p.txt" \
	-n 'medperf run-test --runtime local' "$work/medperf container run-test -m $work/local/container_config.yaml -t infer --runtime local $mounts"
cat "$work/result.md"
