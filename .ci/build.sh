#!/usr/bin/env bash
# Builds the carto-mcp release binary. The Dockerfile runs this same script, and
# CI runs it too, so the image's build steps are exercised on every change even
# where no Docker engine is available.
#   usage: .ci/build.sh OUTPUT [VERSION [PACKAGE]]
# PACKAGE defaults to ./cmd/carto-mcp; BenchmarkStdioColdStart also builds its
# mcp-go floor server with it, so both are measured as released.
set -euo pipefail
out=${1:?usage: .ci/build.sh OUTPUT [VERSION [PACKAGE]]}
version=${2:-${VERSION:-dev}}
pkg=${3:-./cmd/carto-mcp}
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# cgo is required: the embedded local warehouse links DuckDB's static library.
#
# The binary is linked fully static. A dynamically linked one spends ~8 ms of
# every start in the dynamic loader binding DuckDB's C++ runtime (measured with
# BenchmarkStdioColdStart: 39 ms against 31 ms), and an MCP client starts a
# stdio server every time it launches. Static also means the runtime image needs
# no C library. netgo and osusergo keep Go's DNS and user lookups in pure Go, so
# glibc's NSS (which a static binary cannot load reliably) is never used by our
# code. The linker warns that DuckDB's object files reference getpwuid,
# getaddrinfo and dlopen: DuckDB calls them only for its HTTP file system,
# extension loading and home-directory fallback, all of which the local warehouse
# turns off (enable_external_access = false); its tests run on this binary in CI.
CGO_ENABLED=1 go build -trimpath -tags netgo,osusergo \
  -ldflags "-s -w -linkmode external -extldflags -static -X main.version=${version}" \
  -o "$out" "$pkg" 2> >(grep -v -E "requires at runtime the shared libraries|in function \`|^# " >&2)
if [ "$pkg" = ./cmd/carto-mcp ]; then
  "$out" --version
fi
