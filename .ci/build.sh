#!/usr/bin/env bash
# Builds the carto-mcp binary. The Dockerfile runs this same script, and CI runs it
# too, so the image's build steps are exercised on every change even where no
# Docker engine is available.
#   usage: .ci/build.sh OUTPUT [VERSION]
set -euo pipefail
out=${1:?usage: .ci/build.sh OUTPUT [VERSION]}
version=${2:-${VERSION:-dev}}
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# cgo is required: the embedded local warehouse links DuckDB's static library.
CGO_ENABLED=1 go build -trimpath -ldflags "-s -w -X main.version=${version}" -o "$out" ./cmd/carto-mcp
"$out" --version
