#!/usr/bin/env bash
# Install everything the interop harness needs, from the npm registry only:
#   1. pinned Node 22 (install-node22.sh -> .ci/interop/.node22/)
#   2. `npm ci` of .ci/interop/package-lock.json (@modelcontextprotocol/conformance,
#      @modelcontextprotocol/sdk) into .ci/interop/node_modules/, run under Node 22.
# Idempotent: skipped when node_modules was installed from the current lockfile.
# Prints the Node 22 binary path on stdout (so: NODE22="$(bash .ci/interop/setup.sh)").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node22="$(bash "$here/install-node22.sh")"

stamp="$here/node_modules/.carto-interop-lock.sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"

deps_ok() {
  [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$want" ]] &&
    [[ -f "$here/node_modules/@modelcontextprotocol/conformance/dist/index.js" ]] &&
    [[ -f "$here/node_modules/@modelcontextprotocol/sdk/package.json" ]]
}

if ! deps_ok; then
  mkdir -p "$here/.node22"
  exec 9>"$here/.node22/.npm-ci.lock"
  timeout 300 flock 9 || { echo "setup: timed out waiting for npm ci lock" >&2; exit 1; }
  if ! deps_ok; then
    start=$(date +%s)
    # node22 first on PATH so npm (#!/usr/bin/env node) and any install scripts run on Node 22.
    (cd "$here" && PATH="$(dirname "$node22"):$PATH" timeout 600 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    printf '%s\n' "$want" >"$stamp"
    echo "setup: npm ci of .ci/interop done in $(( $(date +%s) - start ))s" >&2
  fi
  exec 9>&-
fi

printf '%s\n' "$node22"
