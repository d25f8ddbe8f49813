#!/usr/bin/env bash
# Runs every fuzz target of the module (every `func Fuzz...` in a _test.go file) for a short time
# each: `make fuzz` runs it with 10s. A crasher is written by `go test` to the package's
# testdata/fuzz/<target>/ and from then on runs as a regular test case: fix the bug, keep the file.
#
#   hack/fuzz.sh [duration] [package dir...]     e.g. hack/fuzz.sh 1m ./pkg/configdump
#
# FUZZMINIMIZETIME (default 0: off) is go test's -fuzzminimizetime. Go minimises every new
# "interesting" input for up to 60 s by default, and with inputs of a few KB that is nearly all of a
# run: FuzzDecodeSyncz ran 20 inputs in 3 minutes. With 0 nothing is minimised and every target runs
# at full speed; a crasher is kept as found (larger, still reproducible with `go test -run`).
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
time=${1:-10s}
shift || true
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
	mapfile -t dirs < <(grep -rl --include='*_test.go' '^func Fuzz' cmd internal pkg hack 2>/dev/null | xargs -n1 dirname | sort -u | sed 's|^|./|')
fi
failed=()
for dir in "${dirs[@]}"; do
	for target in $(grep -h -o '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort -u); do
		echo "== $dir $target ($time)"
		out=$($GO test -run '^$' -fuzz "^${target}\$" -fuzztime "$time" -fuzzminimizetime "${FUZZMINIMIZETIME:-0}" "$dir" 2>&1)
		rc=$?
		# drop the progress lines; from the last one, say how fast the target ran on average
		printf '%s\n' "$out" | grep -vE '^fuzz: elapsed: [0-9]+s, (execs|gathering)'
		printf '%s\n' "$out" | grep -E '^fuzz: elapsed: [0-9]+s, execs' | tail -1 |
			awk '{ t = $3; sub(/s,$/, "", t); if (t > 0) printf "fuzz: %s execs in %ss, %d/s\n", $5, t, $5 / t }' 
		[ $rc -eq 0 ] || failed+=("$dir $target")
	done
done
if [ ${#failed[@]} -gt 0 ]; then
	printf 'fuzz: failed: %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz: every target ran $time without a failure"
