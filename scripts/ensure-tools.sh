#!/usr/bin/env bash
# Installs what the demo and the tests need, idempotently, with a cache:
#   npm packages (when node_modules is missing or older than package-lock.json),
#   Debian's chromium and docker-compose (apt), the Temporal CLI (go install, cached by version outside the repo).
# Prints `export` lines for the paths it found, so callers can `eval "$(scripts/ensure-tools.sh)"`.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_CLI_VERSION=v1.5.1 # keep in step with src/dev/temporal-dev-server.ts
CACHE="${MLX_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlx-jobs}"
log() { echo "ensure-tools: $*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    log "apt-get update"
    as_root apt-get update -qq >&2
    apt_updated=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

# npm packages
# Not `npm ci`: npm 11 refuses this lock because @swc/core's other-platform optional packages are not
# in it; `npm install --no-save` installs exactly the locked tree and leaves the lock untouched.
if [ ! -d node_modules/.bin ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm install (from package-lock.json)"
  npm install --no-save --no-audit --no-fund --loglevel=error >&2
fi

# Chromium (never a browser download: Debian's package only)
if [ -z "${MLX_CHROMIUM_PATH:-}" ] && ! [ -x /usr/bin/chromium ]; then
  apt_install chromium
fi

# docker-compose v1 validates docker-compose.yml offline (no Docker engine needed)
command -v docker-compose >/dev/null || apt_install docker-compose

# Temporal CLI, built from Go modules once per version
temporal_bin="$CACHE/temporal-$TEMPORAL_CLI_VERSION/temporal"
if [ -z "${TEMPORAL_CLI_PATH:-}" ] && ! [ -x "$temporal_bin" ]; then
  command -v go >/dev/null || { log "Go is needed to build the Temporal CLI"; exit 1; }
  mkdir -p "$(dirname "$temporal_bin")"
  built=""
  # Later tags carry a replace directive that go install refuses; fall back to the tags just before.
  for version in "$TEMPORAL_CLI_VERSION" v1.5.0 v1.4.1; do
    log "building the Temporal CLI $version with go install (takes minutes the first time)"
    if GOFLAGS=-p=2 GOBIN="$(dirname "$temporal_bin")" go install "github.com/temporalio/cli/cmd/temporal@$version" >&2; then
      built=$version
      break
    fi
  done
  [ -n "$built" ] || { log "could not build the Temporal CLI"; exit 1; }
fi

echo "export TEMPORAL_CLI_PATH=${TEMPORAL_CLI_PATH:-$temporal_bin}"
echo "export MLX_CHROMIUM_PATH=${MLX_CHROMIUM_PATH:-/usr/bin/chromium}"
