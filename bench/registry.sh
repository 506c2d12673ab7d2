#!/usr/bin/env bash
# Load harness of the registry (issue 11): builds medperf and the harness,
# starts `medperf server` on 127.0.0.1 with a fresh database, seeds it through
# the API, measures each row against a bare net/http ceiling and prints a
# markdown table.
#
#   bash bench/registry.sh [sqlite|postgres [DSN]] [--small] [harness flags...]
#
# The million-result rows (docs/performance.md, "Session 3"):
#
#   bash bench/registry.sh sqlite -seed-results bulk -lb-models 100 -lb-datasets 10000 \
#     -rows list,cursor,leaderboard,rebuild,offset,offset-cold
#
# -seed-results bulk loads the leaderboard's results with the registry's own
# store code (sqldb.BulkLoadResults: multi-row INSERTs, no audit events or log
# leaves) instead of the API, which takes over an hour for a million here.
#
# postgres uses DSN or MEDPERF_TEST_POSTGRES_DSN: a fresh database is created
# there and dropped at the end. --small is the CI smoke test: it fails
# (non-zero exit) on any error, duplicate or missing result.
set -euo pipefail
cd "$(dirname "$0")/.."
db=sqlite
if [[ ${1:-} == sqlite || ${1:-} == postgres ]]; then db=$1; shift; fi
if [[ $db == postgres ]]; then
  if [[ ${1:-} == postgres://* || ${1:-} == postgresql://* ]]; then db=$1; shift
  else db=${MEDPERF_TEST_POSTGRES_DSN:?set MEDPERF_TEST_POSTGRES_DSN or give a postgres:// DSN}; fi
fi
args=()
for a in "$@"; do
  if [[ $a == --small ]]; then args+=(-small); else args+=("$a"); fi
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
CGO_ENABLED=0 go build -o "$out/medperf" ./cmd/medperf
go build -o "$out/registry-bench" ./bench/registry
"$out/registry-bench" -bin "$out/medperf" -db "$db" "${args[@]}"
