#!/bin/sh
# hack/demo.sh [XDSCTL]: `make demo`. A short tour of xdsctl on the example sidecar built into it
# (--demo: bookinfo's productpage pod, see internal/cmd/proxyconfig/demodata/PROVENANCE.txt), one
# command and one line of explanation a step, then the selftest. Keep it within 120 columns.
# internal/cmd/proxyconfig's TestDemoTour runs the same proxy-config commands against a golden.
set -eu
xdsctl=${1:-bin/xdsctl}
bold='' plain=''
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	bold=$(printf '\033[1m') plain=$(printf '\033[0m')
fi

# step EXPLANATION ARGS...: says what the command shows, prints it as typed, runs it.
step() {
	printf '\n%s# %s%s\n$ xdsctl' "$bold" "$1" "$plain"
	shift
	for a in "$@"; do
		case $a in
		*'|'* | *' '*) printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	printf '\n'
	"$xdsctl" "$@"
}

cat <<'INTRO'
xdsctl shows what an Envoy proxy has loaded. --demo reads an example built into xdsctl instead of a live pod:
the sidecar of bookinfo's productpage pod (Istio 1.27, Envoy 1.35), so no Kubernetes cluster is needed.
INTRO
step "Who the proxy is: its Istio and Envoy versions" pc bootstrap --demo -o short
step "Outbound calls to port 9080 land here: HTTP goes by route table 9080, anything else passes through" \
	pc listeners --demo --port 9080
step "Route table 9080: a virtual host per Service; a VirtualService sends reviews half to v1, half to v3" \
	pc routes --demo --name 9080
step "The clusters of reviews: the Service, and the three subsets of its DestinationRule" \
	pc clusters --demo --fqdn reviews
step "The pods behind reviews and their health, as Envoy sees them (/clusters)" \
	pc endpoints --demo --cluster 'outbound|9080||reviews.default.svc.cluster.local'
cat <<'NEXT'

# More: xdsctl pc secrets --demo (its certificates), pc all --demo, -o wide, -o json --jq '.[].name';
# what is broken: xdsctl analyze --demo; where a request goes: xdsctl trace --demo --to 10.96.0.10:9080 --host reviews
# On your own pod: xdsctl pc routes <pod>[.<namespace>]

# Now the selftest: the bundled xDS control plane, emulated Envoy sidecars and a real gRPC xDS client, checked
# step by step (good config, a rejected update, held ACKs) with a PASS/FAIL line per check
# (without --quiet, xdsctl selftest also prints proxy-status and proxy-config at each step)
NEXT
"$xdsctl" selftest --quiet
