#!/usr/bin/env bash
# Wrapper: install the pinned Node 22 + SDK (idempotent) and run check.mjs with it.
# Usage: bash .ci/interop/ts-sdk-check/check.sh URL|stdio:CMD TOOL1,TOOL2,... CASES.json
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node22="$(bash "$here/../setup.sh")"
exec "$node22" "$here/check.mjs" "$@"
