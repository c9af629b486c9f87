#!/usr/bin/env bash
# npm test: install what is missing, then every test on real parts, with lint and type checks beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
tools_env=$(bash scripts/ensure-tools.sh) # a failure here stops the script (set -e)
eval "$tools_env"

# Every test file as its own process, the servers they share started once, and ESLint, Prettier and tsc
# beside the integration files (test/suite/run.ts says how); it ends with the ten slowest files and the
# counts. Tied to this script, so a killed run leaves nothing.
tied=(); command -v setpriv >/dev/null && tied=(setpriv --pdeathsig TERM --)
exec "${tied[@]}" node --import tsx test/suite/run.ts --checks "$@"
