#!/usr/bin/env bash
# Run the official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
# package-lock.json) server scenarios against a streamable HTTP MCP endpoint, on Node 22.
#
# Usage: bash .ci/interop/conformance.sh URL [options]
#   --scenarios LIST          comma/space separated scenario names and/or presets
#                             (default: $CONFORMANCE_SCENARIOS or "generic"):
#                               generic     server-initialize ping tools-list
#                                           server-sse-multiple-streams dns-rebinding-protection
#                               capability  logging-set-level resources-list prompts-list
#                                           (only if the server declares logging/resources/prompts)
#                               active|all|pending  a whole CLI suite in one run (needs the
#                                           conformance "everything" server, e.g. mcp-go's
#                                           examples/conformance); must be used alone
#   --expected-failures FILE  baseline of scenarios allowed to fail: the CLI's YAML format
#                             (server: [- name]) or one name per line ($CONFORMANCE_EXPECTED_FAILURES)
#   --strict-baseline         also fail when a baseline scenario passes (stale entry)
#   --warnings-fail           treat WARNING checks as failures
#   --output-dir DIR          keep per-scenario checks.json + CLI logs there (default: temp, removed)
#   --timeout SECS            per scenario CLI timeout (default 120; suite mode: x number of scenarios)
#   --wait SECS               wait up to SECS for URL to answer HTTP before starting (default 30)
#   --list                    print the scenarios known to the pinned CLI and exit
#
# Prints one PASS/FAIL/XFAIL/XPASS/WARN/ERROR line per scenario and a closing
# "conformance: N passed, N failed". Exit 0 iff no unexpected failure; 2 on usage errors.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

GENERIC="server-initialize ping tools-list server-sse-multiple-streams dns-rebinding-protection"
CAPABILITY="logging-set-level resources-list prompts-list"

usage() { sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

url=""
scenarios_arg="${CONFORMANCE_SCENARIOS:-generic}"
baseline="${CONFORMANCE_EXPECTED_FAILURES:-}"
strict=0
warnings_fail=0
outdir=""
per_timeout=120
wait_secs=30
list_only=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --scenarios) scenarios_arg="${2:?--scenarios needs a value}"; shift 2 ;;
    --expected-failures) baseline="${2:?--expected-failures needs a value}"; shift 2 ;;
    --strict-baseline) strict=1; shift ;;
    --warnings-fail) warnings_fail=1; shift ;;
    --output-dir) outdir="${2:?--output-dir needs a value}"; shift 2 ;;
    --timeout) per_timeout="${2:?--timeout needs a value}"; shift 2 ;;
    --wait) wait_secs="${2:?--wait needs a value}"; shift 2 ;;
    --list) list_only=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "conformance.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) if [[ -z "$url" ]]; then url="$1"; shift; else echo "conformance.sh: unexpected argument $1" >&2; exit 2; fi ;;
  esac
done
[[ "$per_timeout" =~ ^[0-9]+$ && "$wait_secs" =~ ^[0-9]+$ ]] || { echo "conformance.sh: --timeout/--wait take whole seconds" >&2; exit 2; }

node22="$(bash "$here/setup.sh")"
cli="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"

known="$(timeout 60 "$node22" "$cli" list --server | sed -n 's/^ *- \([^ ]*\).*/\1/p')"
if [[ "$list_only" == 1 ]]; then
  echo "server scenarios in @modelcontextprotocol/conformance $("$node22" "$cli" --version):"
  for s in $known; do
    tag="needs conformance everything-server"
    [[ " $GENERIC " == *" $s "* ]] && tag="generic"
    [[ " $CAPABILITY " == *" $s "* ]] && tag="generic if capability declared"
    [[ "$s" == json-schema-2020-12 || "$s" == server-sse-polling ]] && tag="$tag; pending (not in active suite)"
    printf '  %-32s %s\n' "$s" "$tag"
  done
  exit 0
fi
[[ -n "$url" ]] || { echo "conformance.sh: URL is required" >&2; usage >&2; exit 2; }
if [[ -n "$baseline" && ! -f "$baseline" ]]; then
  echo "conformance.sh: expected-failures file not found: $baseline" >&2; exit 2
fi

# Expand presets, validate names, keep order, drop duplicates.
suite=""
scenarios=()
for item in ${scenarios_arg//,/ }; do
  case "$item" in
    generic) add="$GENERIC" ;;
    capability) add="$CAPABILITY" ;;
    active|all|pending) suite="$item"; continue ;;
    *) add="$item" ;;
  esac
  for s in $add; do
    if ! grep -qxF -- "$s" <<<"$known"; then
      echo "conformance.sh: unknown scenario '$s'; known: $(tr '\n' ' ' <<<"$known")" >&2; exit 2
    fi
    [[ " ${scenarios[*]-} " == *" $s "* ]] || scenarios+=("$s")
  done
done
if [[ -n "$suite" && ${#scenarios[@]} -gt 0 ]]; then
  echo "conformance.sh: suite '$suite' cannot be combined with scenario names" >&2; exit 2
fi
[[ -n "$suite" || ${#scenarios[@]} -gt 0 ]] || { echo "conformance.sh: no scenarios selected" >&2; exit 2; }

if [[ -z "$outdir" ]]; then
  outdir="$(mktemp -d "${TMPDIR:-/tmp}/mcp-conformance.XXXXXX")"
  trap 'rm -rf "$outdir"' EXIT
else
  mkdir -p "$outdir"
fi

# Bounded wait until the endpoint answers HTTP at all (any status code).
deadline=$(( $(date +%s) + wait_secs ))
until timeout 5 "$node22" -e '
  fetch(process.argv[1], { method: "GET", signal: AbortSignal.timeout(3000) })
    .then(() => process.exit(0), () => process.exit(1));' "$url" 2>/dev/null; do
  if (( $(date +%s) >= deadline )); then
    echo "conformance.sh: $url did not answer HTTP within ${wait_secs}s" >&2; exit 1
  fi
  sleep 0.5
done

report_args=(--results "$outdir")
[[ -n "$baseline" ]] && report_args+=(--expected-failures "$baseline")
[[ "$strict" == 1 ]] && report_args+=(--strict-baseline)
[[ "$warnings_fail" == 1 ]] && report_args+=(--warnings-fail)

failed_logs=()
if [[ -n "$suite" ]]; then
  n_known=$(wc -w <<<"$known")
  log="$outdir/suite-$suite.log"
  echo "conformance: running CLI suite '$suite' against $url"
  rc=0
  timeout -k 10 $(( per_timeout * n_known )) "$node22" "$cli" server --url "$url" --suite "$suite" \
    --output-dir "$outdir" >"$log" 2>&1 || rc=$?
  # The scenarios the CLI says it started are the ones we expect results for.
  mapfile -t scenarios < <(sed -n 's/^=== Running scenario: \(.*\) ===$/\1/p' "$log")
  if [[ ${#scenarios[@]} -eq 0 ]]; then
    echo "conformance.sh: the CLI started no scenario (exit $rc); its output:" >&2
    tail -n 60 "$log" >&2; exit 1
  fi
  [[ "$rc" -ne 0 ]] && failed_logs+=("$log")
else
  echo "conformance: running ${#scenarios[@]} scenario(s) against $url"
  for s in "${scenarios[@]}"; do
    log="$outdir/$s.log"
    rc=0
    timeout -k 10 "$per_timeout" "$node22" "$cli" server --url "$url" --scenario "$s" \
      --output-dir "$outdir" >"$log" 2>&1 || rc=$?
    [[ "$rc" -eq 124 || "$rc" -eq 137 ]] && echo "(timed out after ${per_timeout}s)" >>"$log"
    if [[ "$rc" -ne 0 ]] && ! { [[ -n "$baseline" ]] && grep -qE "^[[:space:]]*(- *)?[\"']?${s}[\"']?[[:space:]]*(#.*)?$" "$baseline"; }; then
      failed_logs+=("$log")
    fi
  done
fi

rc=0
report="$("$node22" "$here/lib/conformance-report.mjs" "${report_args[@]}" --scenarios "${scenarios[*]}")" || rc=$?
if [[ "$rc" -ne 0 && ${#failed_logs[@]} -gt 0 ]]; then
  for log in "${failed_logs[@]}"; do
    echo "---- conformance CLI output: $(basename "$log" .log) (last 40 lines) ----"
    # Drop the CLI's own "=== SUMMARY ===" block (our table below replaces it).
    # Strip the CLI's hard-coded ANSI colours.
    sed -e '/^=== SUMMARY ===$/,$d' -e 's/\x1b\[[0-9;]*m//g' "$log" | tail -n 40
  done
  echo "----"
fi
# The per-scenario table and the closing "conformance: N passed, N failed" line come last.
printf '%s\n' "$report"
exit "$rc"
