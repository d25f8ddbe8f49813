#!/usr/bin/env bash
# Runs every fuzz target of the module (every `func Fuzz...` in a _test.go file) for a short time
# each: `make fuzz` runs it with 10s. A crasher is written by `go test` to the package's
# testdata/fuzz/<target>/ and from then on runs as a regular test case: fix the bug, keep the file.
#
#   hack/fuzz.sh [duration] [package dir...]     e.g. hack/fuzz.sh 1m ./pkg/configdump
set -uo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
time=${1:-10s}
shift || true
dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
	mapfile -t dirs < <(grep -rl --include='*_test.go' '^func Fuzz' cmd internal pkg 2>/dev/null | xargs -n1 dirname | sort -u | sed 's|^|./|')
fi
failed=()
for dir in "${dirs[@]}"; do
	for target in $(grep -h -o '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go | sed 's/^func //' | sort -u); do
		echo "== $dir $target ($time)"
		# -fuzzminimizetime: minimizing each new interesting input for the default 60 s would eat
		# the whole run when inputs are a few KB
		out=$($GO test -run '^$' -fuzz "^${target}\$" -fuzztime "$time" -fuzzminimizetime 5s "$dir" 2>&1)
		rc=$?
		printf '%s\n' "$out" | grep -vE '^fuzz: elapsed: [0-9]+s, (execs|gathering)'
		[ $rc -eq 0 ] || failed+=("$dir $target")
	done
done
if [ ${#failed[@]} -gt 0 ]; then
	printf 'fuzz: failed: %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz: every target ran $time without a failure"
