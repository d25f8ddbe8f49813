#!/usr/bin/env bash
# ensure.sh - build the e2e harness binaries (etcd, kube-apiserver, kwok) once, from Go
# modules, into a cache outside the clone. Later runs find the version stamps and return at once.
#
#   hack/kube-e2e/ensure.sh          # build what is missing, print the bin dir
#
# Measured (2 cores): a fresh machine (empty Go caches) spends ~25 CPU-minutes, mostly the
# kube-apiserver compile: 8-17 min wall on an idle machine (the research notes saw 7.5 min),
# 71 min when it shared the machine with five other builds at nice 10. With warm Go caches but no
# binaries: ~50 s. With the binaries: 0.3 s (nothing to do).
# The tests find the binaries in the same place (internal/kube/kubetest), or in
# $XDSCTL_E2E_BIN_DIR if set.
#
# Env: XDSCTL_E2E_BIN_DIR  [${XDG_CACHE_HOME:-$HOME/.cache}/xdsctl/kube-e2e/bin]
#      K8S_VERSION [v1.36.3]  KWOK_VERSION [v0.8.0]  ETCD_VERSION [v3.6.16]
# Keep the defaults in sync with internal/kube/kubetest/binaries.go.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.36.3}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
BIN_DIR="${XDSCTL_E2E_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/xdsctl/kube-e2e/bin}"
GO="${GO:-go}"
command -v "$GO" >/dev/null || GO=/usr/local/go/bin/go

# Progress goes to the caller's stderr (fd 3), one line per binary; the Go tool's own output
# (module downloads, compiler) goes to $BIN_DIR/build.log and is shown only when a build fails.
exec 3>&2
log() { printf '[kube-e2e %s] %s\n' "$(date +%T)" "$*" >&3; }

fresh() { # binary, version: true if built at this version
  [[ -x "$BIN_DIR/$1" && "$(cat "$BIN_DIR/$1.version" 2>/dev/null)" == "$2" ]]
}

build_etcd() {
  fresh etcd "$ETCD_VERSION" && return
  log "building etcd $ETCD_VERSION once (about 1 min on 2 cores; cached in $BIN_DIR)"
  local d="$BIN_DIR/.build/etcd"
  rm -rf "$d" && mkdir -p "$d"
  # go.etcd.io/etcd/server/v3 has replace directives, so `go install pkg@v` refuses it:
  # build it from a throw-away module instead.
  ( cd "$d"
    printf 'module local/etcd-build\n\ngo 1.26.0\n' > go.mod
    "$GO" get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    "$GO" build -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd" go.etcd.io/etcd/server/v3 )
  echo "$ETCD_VERSION" > "$BIN_DIR/etcd.version"
}

build_apiserver() {
  fresh kube-apiserver "$K8S_VERSION" && return
  log "building kube-apiserver $K8S_VERSION once (about 8-12 min on 2 cores; cached in $BIN_DIR)"
  local d="$BIN_DIR/.build/k8s" minor="${K8S_VERSION#v1.}" staging="v0.${K8S_VERSION#v1.}"
  minor="${minor%%.*}"
  rm -rf "$d" && mkdir -p "$d"
  ( cd "$d"
    # k8s.io/kubernetes requires its staging modules at v0.0.0 with replace => ./staging/...;
    # a dependency's replaces are ignored, so map each staging module to its published tag.
    local modfile mods goline
    modfile="$("$GO" mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
    mods="$(grep -oP '^\s*k8s.io/\S+(?=\s+=>\s+\./staging)' "$modfile")"
    goline="$(grep -m1 '^go ' "$modfile")"
    { printf 'module local/k8s-build\n\n%s\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$goline" "$K8S_VERSION"
      for m in $mods; do
        case "$m" in k8s.io/sample-*) continue ;; esac # not always published; not needed
        printf '\t%s => %s %s\n' "$m" "$m" "$staging"
      done
      printf ')\n'; } > go.mod
    "$GO" get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION"
    "$GO" build -trimpath -ldflags "-s -w \
      -X k8s.io/component-base/version.gitVersion=$K8S_VERSION \
      -X k8s.io/component-base/version.gitMajor=1 \
      -X k8s.io/component-base/version.gitMinor=$minor \
      -X k8s.io/component-base/version.gitTreeState=clean" \
      -o "$BIN_DIR/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver )
  echo "$K8S_VERSION" > "$BIN_DIR/kube-apiserver.version"
}

build_kwok() {
  if ! fresh kwok "$KWOK_VERSION"; then
    log "building kwok $KWOK_VERSION once (about 2 min on 2 cores; cached in $BIN_DIR)"
    GOBIN="$BIN_DIR" "$GO" install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
    echo "$KWOK_VERSION" > "$BIN_DIR/kwok.version"
  fi
  # kwok's Stage definitions and PortForward CRD ship in its module zip, not the binary:
  # copy them next to it so the tests need no module cache.
  if [[ "$(cat "$BIN_DIR/kwok-data.version" 2>/dev/null)" != "$KWOK_VERSION" ]]; then
    local src
    src="$("$GO" mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
    [[ -d "$src/kustomize/stage" ]] || { log "kwok stages not found in $src"; exit 1; }
    rm -rf "$BIN_DIR/kwok-data" && mkdir -p "$BIN_DIR/kwok-data"
    cp "$src/kustomize/stage/node/fast/node-initialize.yaml" \
      "$src/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
      "$src/kustomize/stage/pod/fast/pod-ready.yaml" \
      "$src/kustomize/stage/pod/fast/pod-complete.yaml" \
      "$src/kustomize/stage/pod/fast/pod-delete.yaml" \
      "$src/kustomize/crd/bases/kwok.x-k8s.io_portforwards.yaml" "$BIN_DIR/kwok-data/"
    chmod -R u+w "$BIN_DIR/kwok-data"
    echo "$KWOK_VERSION" > "$BIN_DIR/kwok-data.version"
  fi
}

main() {
  local t0=$SECONDS
  mkdir -p "$BIN_DIR"
  # one build at a time, even if two `make test` runs start together
  exec 9>"$BIN_DIR/.lock"
  flock 9
  local b
  for b in build_etcd build_apiserver build_kwok; do
    if ! "$b" >>"$BIN_DIR/build.log" 2>&1; then
      log "$b failed; the end of $BIN_DIR/build.log:"
      tail -n 30 "$BIN_DIR/build.log" >&3
      exit 1
    fi
  done
  rm -rf "$BIN_DIR/.build"
  log "harness binaries ready in $((SECONDS - t0))s: $BIN_DIR"
  echo "$BIN_DIR"
}

main "$@"
