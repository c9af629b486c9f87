#!/usr/bin/env bash
# Installs what the demo and the tests need, idempotently, with a cache:
#   npm packages (when node_modules is missing or older than package-lock.json),
#   Debian's chromium, docker-compose, redis-server, prometheus and prometheus-alertmanager (apt), Jaeger v2
#   (built from Go modules, cached, with the spanmetrics connector and the prometheus exporter), the
#   Temporal CLI (go install, cached by version outside the repo).
# Prints `export` lines for the paths it found (and, as root, MLX_CHROMIUM_NO_SANDBOX=true), so callers can
# `eval "$(scripts/ensure-tools.sh)"`.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_CLI_VERSION=v1.5.1 # keep in step with src/dev/temporal-dev-server.ts
JAEGER_MODULE_VERSION=v1.76.0 # keep in step with test/helpers/jaeger.ts
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

# docker-compose v1 validates docker-compose.yml offline; without --no-install-recommends apt would pull
# the whole Docker engine, which cannot run here. Redis for the lease tests.
command -v docker-compose >/dev/null || apt_install --no-install-recommends docker-compose
command -v redis-server >/dev/null || apt_install --no-install-recommends redis-server
# Prometheus (the metrics test and the demo) and promtool (the alert-rule tests).
command -v prometheus >/dev/null && command -v promtool >/dev/null || apt_install --no-install-recommends prometheus
# Alertmanager (the alert delivery test): Prometheus sends it the firing alerts.
command -v prometheus-alertmanager >/dev/null || apt_install --no-install-recommends prometheus-alertmanager

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

# Jaeger v2 all-in-one for the tracing tests. The Go module proxy serves github.com/jaegertracing/jaeger
# only under its v1.x tags (v1.76.0 is the Jaeger v2.13 release and its cmd/jaeger is the v2 binary), and
# `go install` refuses it for its replace directive: build it inside a small wrapper module that takes
# Jaeger's own go.mod requirements and go.sum, so every dependency is the version Jaeger pinned.
jaeger_bin="$CACHE/jaeger-$JAEGER_MODULE_VERSION/jaeger"
if [ -z "${JAEGER_PATH:-}" ] && ! [ -x "$jaeger_bin" ]; then
  log "building Jaeger $JAEGER_MODULE_VERSION from Go modules (takes minutes the first time)"
  src="$CACHE/jaeger-$JAEGER_MODULE_VERSION/src"
  mkdir -p "$src"
  mod_dir=$(go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  mod_sums=$(go mod download -json "github.com/jaegertracing/jaeger@$JAEGER_MODULE_VERSION" | sed -n 's/^\t"\(Sum\|GoModSum\)": "\(.*\)",\{0,1\}$/\1 \2/p')
  {
    printf 'module local/jaegerbuild\n\n'
    grep '^go ' "$mod_dir/go.mod"
    printf '\nrequire github.com/jaegertracing/jaeger %s\n\n' "$JAEGER_MODULE_VERSION"
    sed -n '/^require (/,$p' "$mod_dir/go.mod"
  } >"$src/go.mod"
  cp "$mod_dir/go.sum" "$src/go.sum"
  chmod u+w "$src/go.mod" "$src/go.sum"
  while read -r kind sum; do
    if [ "$kind" = Sum ]; then suffix=""; else suffix="/go.mod"; fi
    echo "github.com/jaegertracing/jaeger $JAEGER_MODULE_VERSION$suffix $sum"
  done <<<"$mod_sums" >>"$src/go.sum"
  printf '//go:build tools\n\npackage jaegerbuild\n\nimport _ "github.com/jaegertracing/jaeger/cmd/jaeger"\n' >"$src/tools.go"
  (cd "$src" && GOTOOLCHAIN=local GOFLAGS=-p=2 go build -mod=mod -trimpath -ldflags='-s -w' -o "$jaeger_bin.tmp" \
    github.com/jaegertracing/jaeger/cmd/jaeger) >&2
  mv "$jaeger_bin.tmp" "$jaeger_bin"
fi
# The trace-derived alerts need these two components of the OpenTelemetry Collector in the build.
if [ -z "${JAEGER_PATH:-}" ]; then
  components=$("$jaeger_bin" components 2>/dev/null)
  for component in spanmetrics prometheus; do
    grep -q "name: $component\$" <<<"$components" || { log "Jaeger at $jaeger_bin lacks the $component component"; exit 1; }
  done
fi

echo "export TEMPORAL_CLI_PATH=${TEMPORAL_CLI_PATH:-$temporal_bin}"
echo "export JAEGER_PATH=${JAEGER_PATH:-$jaeger_bin}"
echo "export MLX_CHROMIUM_PATH=${MLX_CHROMIUM_PATH:-/usr/bin/chromium}"
# Chromium's sandbox cannot start as root, and the launcher never drops it by itself: a test machine
# where everything runs as root (CI's container) turns it off explicitly.
if [ "$(id -u)" = 0 ]; then echo "export MLX_CHROMIUM_NO_SANDBOX=${MLX_CHROMIUM_NO_SANDBOX:-true}"; fi
