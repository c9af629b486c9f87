#!/usr/bin/env bash
# npm test: install what is missing, lint and type-check, then every test on real parts.
set -euo pipefail
cd "$(dirname "$0")/.."
tools_env=$(bash scripts/ensure-tools.sh) # a failure here stops the script (set -e)
eval "$tools_env"

npx eslint --max-warnings 0 .
npx prettier --check --log-level warn .
npx tsc --noEmit -p .

# Every test file as its own process, the servers they share started once (test/suite/run.ts says how);
# it ends with the ten slowest files and the counts. Tied to this script, so a killed run leaves nothing.
tied=(); command -v setpriv >/dev/null && tied=(setpriv --pdeathsig TERM --)
exec "${tied[@]}" node --import tsx test/suite/run.ts "$@"
