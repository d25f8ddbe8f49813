#!/usr/bin/env bash
# Generate the large inputs the benchmarks and hack/perf.sh run on (gitignored, ~200 MB):
#   testdata/big/dump-100mb.json      /config_dump grown from testdata/dumps/synthetic/template-sidecar.json (242 replicas)
#   testdata/big/clusters-98mb.json   /clusters?format=json derived from its EDS section (factor 10)
# Existing files are kept; pass -f to regenerate.
set -euo pipefail
cd "$(dirname "$0")/.."

tools=hack/bigdumps # copies of the workspace's shared/tools generators
template=testdata/dumps/synthetic/template-sidecar.json
out=testdata/big
force=${1:-}

mkdir -p "$out"
if [ "$force" = -f ] || [ ! -s "$out/dump-100mb.json" ]; then
	echo "generating $out/dump-100mb.json" >&2
	python3 "$tools/gen_dump.py" --template "$template" --replicas 242 --out "$out/dump-100mb.json.tmp"
	mv "$out/dump-100mb.json.tmp" "$out/dump-100mb.json"
fi
if [ "$force" = -f ] || [ ! -s "$out/clusters-98mb.json" ]; then
	echo "generating $out/clusters-98mb.json" >&2
	python3 "$tools/gen_clusters.py" "$out/dump-100mb.json" "$out/clusters-98mb.json.tmp" 10
	mv "$out/clusters-98mb.json.tmp" "$out/clusters-98mb.json"
fi
ls -l "$out"/*.json >&2
