#!/usr/bin/env bash
# npm test: install what is missing, lint and type-check, then every test on real parts.
set -euo pipefail
cd "$(dirname "$0")/.."
tools_env=$(bash scripts/ensure-tools.sh) # a failure here stops the script (set -e)
eval "$tools_env"

npx eslint --max-warnings 0 .
npx prettier --check --log-level warn .
npx tsc --noEmit -p .

# One file at a time: integration files each start a Temporal dev server and Chromium on 2 cores.
node --import tsx --test --test-concurrency=1 --test-timeout=300000 test/unit/*.test.ts test/integration/*.test.ts
