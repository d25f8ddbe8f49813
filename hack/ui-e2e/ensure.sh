#!/usr/bin/env bash
# ensure.sh - what the browser test of `xdsctl ui` needs (internal/cmd/ui: TestBrowser): Debian's
# chromium and the page's npm packages (playwright-core drives the browser). Installs what is
# missing, one line each; quiet when everything is there. `make test` runs it.
#
#   hack/ui-e2e/ensure.sh
#
# Env: CHROMIUM (a browser binary to use instead of /usr/bin/chromium).
set -euo pipefail
cd "$(dirname "$0")/../.."
web=internal/cmd/ui/web
log() { printf '[ui-e2e %s] %s\n' "$(date +%T)" "$*" >&2; }

if [[ ! -d "$web" ]]; then
  exit 0 # no page in this tree
fi

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing Debian's chromium for the browser test (once, about 1-2 min)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    log "the browser test needs Chromium: apt-get install chromium (or set CHROMIUM to a browser binary)"
    exit 1
  fi
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing Node.js and npm for the browser test (once)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    log "the browser test needs Node.js and npm"
    exit 1
  fi
fi

# npm ci when node_modules is missing or older than the lockfile
stamp="$web/node_modules/.package-lock.json"
if [[ ! -f "$stamp" || "$web/package-lock.json" -nt "$stamp" ]]; then
  log "installing the page's npm packages (npm ci in $web)"
  (cd "$web" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
