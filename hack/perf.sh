#!/usr/bin/env bash
# Whole-process measurements for docs/performance.md: wall time and peak RSS of xdsctl on the big
# inputs (hack/bigdumps.sh generates them) and of `xdsctl version`, RUNS times each (default 9),
# reported as min and median. Peak RSS is /usr/bin/time's %M; wall time is measured around the
# process with the monotonic clock (hack/timeit: /usr/bin/time's %e has 10 ms resolution, too
# coarse for start-up). CPU time (user+system) is given too: on a shared machine it moves less
# than wall time.
#
#   hack/perf.sh            # everything
#   RUNS=21 hack/perf.sh startup
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
runs=${RUNS:-9}
what=${1:-all}

make -s build
$GO build -o bin/timeit ./hack/timeit
$GO build -tags startup -trimpath -ldflags "-s -w" -o bin/startup-hello ./hack/startup/hello
dump=testdata/big/dump-100mb.json
clusters=testdata/big/clusters-98mb.json
[ "$what" = startup ] || ./hack/bigdumps.sh 2>/dev/null

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git describe --always --dirty)"
echo "# machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(free -g | awk '/^Mem/{print $2}') GiB, kernel $(uname -r), $($GO version | cut -d' ' -f3)"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# rss LABEL CMD...: peak RSS (MiB) min/median over $runs runs, from /usr/bin/time
rss() {
	local label=$1
	shift
	local tmp
	tmp=$(mktemp)
	for _ in $(seq "$runs"); do
		/usr/bin/time -f '%e %M' -o "$tmp" -a "$@" >/dev/null 2>&1 || true
	done
	local e m
	e=$(cut -d' ' -f1 "$tmp" | sort -n | awk '{v[NR]=$1} END {printf "min %.2f med %.2f", v[1], v[int((NR+1)/2)]}')
	m=$(cut -d' ' -f2 "$tmp" | sort -n | awk '{v[NR]=$1} END {printf "min %.1f med %.1f", v[1]/1024, v[int((NR+1)/2)]/1024}')
	printf '%-28s /usr/bin/time: elapsed s %s   peak RSS MiB %s\n' "$label" "$e" "$m"
	rm -f "$tmp"
}

measure() {
	local label=$1
	shift
	bin/timeit -n "$runs" -label "$label" -- "$@"
	rss "$label" "$@"
}

if [ "$what" = all ] || [ "$what" = startup ]; then
	measure "/bin/true" /bin/true
	measure "Go hello world" bin/startup-hello
	measure "xdsctl version" bin/xdsctl version
	# istioctl in the same run, for the "at least 2x faster" target: ISTIOCTL=/path/to/istioctl
	if [ -n "${ISTIOCTL:-}" ]; then
		measure "istioctl version --remote=false" "$ISTIOCTL" version --remote=false
	fi
fi
if [ "$what" = all ] || [ "$what" = big ]; then
	measure "pc listeners -f 100 MB dump" bin/xdsctl pc listeners -f "$dump"
	measure "pc clusters -f 100 MB dump" bin/xdsctl pc clusters -f "$dump"
	measure "pc routes -f 100 MB dump" bin/xdsctl pc routes -f "$dump"
	measure "pc listeners -o json 100 MB" bin/xdsctl pc listeners -o json -f "$dump"
	if bin/xdsctl pc --help | grep -q "^  endpoints "; then
		measure "pc endpoints -f 98 MB /clusters" bin/xdsctl pc endpoints -f "$clusters"
	fi
fi
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
