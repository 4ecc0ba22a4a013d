#!/usr/bin/env bash
# Prove the harness against a real mcp-go server: build mcp-go's own conformance
# fixture (examples/conformance of the mcp-go version in our go.mod) outside the repo,
# start it on 127.0.0.1, then run
#   - conformance.sh with the whole active suite and mcp-go's expected-failures baseline
#   - conformance.sh with the "generic" preset (what our product server runs)
#   - ts-sdk-check against the fixture's tools
# Writes only to a temp dir (and Go's module/build caches). Doubles as a template for
# how .ci/run can drive the harness against our own server.
# Env: MCPGO_VERSION (default: the version required in go.mod), KEEP_TMP=1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

version="${MCPGO_VERSION:-$(sed -n 's#^[[:space:]]*github.com/mark3labs/mcp-go \(v[^ ]*\).*#\1#p' "$repo/go.mod" | head -n1)}"
[[ -n "$version" ]] || { echo "selftest: cannot find mark3labs/mcp-go in go.mod; set MCPGO_VERSION" >&2; exit 1; }

node22="$(bash "$here/setup.sh")"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/mcpgo-selftest.XXXXXX")"
server_pid=""
# shellcheck disable=SC2317 # invoked via trap
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  [[ "${KEEP_TMP:-0}" == 1 ]] || rm -rf "$tmp"
}
trap cleanup EXIT

# Locate (download if needed) the module source; build its fixture into $tmp.
moddir="$(cd "$tmp" && GOFLAGS='' timeout 300 go mod download -json "github.com/mark3labs/mcp-go@$version" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
[[ -d "$moddir/examples/conformance" ]] || { echo "selftest: mcp-go $version has no examples/conformance" >&2; exit 1; }
start=$(date +%s)
(cd "$moddir" && GOFLAGS='' timeout 600 go build -o "$tmp/mcpgo-conformance" ./examples/conformance)
echo "selftest: built mcp-go $version examples/conformance in $(( $(date +%s) - start ))s"

# Free loopback port (tiny race window is acceptable here).
port="$("$node22" -e '
  const s = require("node:net").createServer().listen(0, "127.0.0.1", () => {
    console.log(s.address().port); s.close(); });')"
CONFORMANCE_ADDR="127.0.0.1:$port" "$tmp/mcpgo-conformance" >"$tmp/server.log" 2>&1 &
server_pid=$!

# Bounded wait for the fixture's /health endpoint.
for i in $(seq 1 100); do
  if "$node22" -e 'fetch(process.argv[1], {signal: AbortSignal.timeout(1000)}).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
      "http://127.0.0.1:$port/health" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null || [[ "$i" -eq 100 ]]; then
    echo "selftest: fixture did not come up on 127.0.0.1:$port; its log:" >&2
    cat "$tmp/server.log" >&2
    exit 1
  fi
  sleep 0.2
done
url="http://127.0.0.1:$port/mcp"

rc=0
echo "== conformance: active suite, mcp-go baseline =="
bash "$here/conformance.sh" "$url" --scenarios active \
  --expected-failures "$moddir/conformance/server/expected-failures.yml" || rc=1
echo "== conformance: generic preset =="
bash "$here/conformance.sh" "$url" --scenarios generic || rc=1
echo "== ts-sdk-check =="
"$node22" "$here/ts-sdk-check/check.mjs" "$url" \
  test_simple_text,test_image_content,test_audio_content,test_embedded_resource,test_multiple_content_types,test_error_handling,test_sampling,test_elicitation,test_elicitation_sep1034_defaults,test_elicitation_sep1330_enums,test_tool_with_logging,test_tool_with_progress \
  "$here/ts-sdk-check/mcp-go-conformance-cases.json" || rc=1
exit "$rc"
