#!/usr/bin/env bash
# npm run demo: install what is missing, then run one sync_orders job on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
tools_env=$(bash scripts/ensure-tools.sh) # a failure here stops the script (set -e)
eval "$tools_env"
exec node --import tsx src/demo/run-demo.ts "$@"
