#!/usr/bin/env bash
# npm run bench: install what is missing (as npm test does), then the benchmark suite (bench/run.ts).
# Arguments go to the suite: npm run bench -- --only 1,5 --quick (see docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
tools_env=$(bash scripts/ensure-tools.sh) # a failure here stops the script (set -e)
eval "$tools_env"
exec node --import tsx bench/run.ts "$@"
