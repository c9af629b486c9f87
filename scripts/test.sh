#!/usr/bin/env bash
# npm test: install what is missing, lint and type-check, then every test on real parts.
set -euo pipefail
cd "$(dirname "$0")/.."
tools_env=$(bash scripts/ensure-tools.sh) # a failure here stops the script (set -e)
eval "$tools_env"

npx eslint --max-warnings 0 .
npx prettier --check --log-level warn .
npx tsc --noEmit -p .

# One file at a time: integration files each start a Temporal dev server and Chromium on 2 cores. The
# timeout (per file and per test) ends a hang; the longest file, the 200-submission burst of
# faults-burst.test.ts (160 real browser starts), takes 5 to 8 minutes here.
node --import tsx --test --test-concurrency=1 --test-timeout=900000 test/unit/*.test.ts test/integration/*.test.ts
