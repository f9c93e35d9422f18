#!/usr/bin/env bash
# The side-by-side comparison: starts a reference server holding 20 000 jobs
# (its own state, port 8790), runs every contender against it and against
# the in-process replay server, writes bench/RESULTS.md, and stops the
# server. Needs what .ci/run installs (internal/tastypieserver/server.sh
# install, as root). Takes a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
export TSAPI_SERVER_STATE=/tmp/tsapi-bench-state
SEED=/tmp/tsapi-bench-seed.json
TSAPI_SEED_JOBS=20000 /usr/bin/python3 internal/tastypieserver/gen_seed.py "$SEED" >/dev/null
trap 'internal/tastypieserver/server.sh stop >/dev/null 2>&1 || true' EXIT
TSAPI_SEED="$SEED" internal/tastypieserver/server.sh start 8790 >/dev/null
go build -o /tmp/tsapi-bench ./bench
{
  echo "# Reading every job: tsapi and its peers"
  echo
  echo "Command: \`bash bench/run.sh\` (rounds: ${ROUNDS:-3})."
  echo
} > bench/RESULTS.md
/tmp/tsapi-bench -reference http://127.0.0.1:8790 -rounds "${ROUNDS:-3}" -out /tmp/tsapi-bench-results.md
cat /tmp/tsapi-bench-results.md >> bench/RESULTS.md
echo "wrote bench/RESULTS.md"
