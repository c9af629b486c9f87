#!/usr/bin/env bash
# npm run demo: install what is missing, then run one sync_orders job on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/ensure-tools.sh)"
exec node --import tsx src/demo/run-demo.ts "$@"
