#!/usr/bin/env bash
# Interop: build a tileset on the local warehouse (carto-local), fetch its
# TileJSON and some tiles through the Maps API routes, and decode them with
# @mapbox/vector-tile + pbf from npm (check.mjs).
#
#   bash .ci/interop/mvt-check/check.sh path/to/carto-local
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$1"
work="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

stamp="$here/node_modules/.lock.sha256"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  (cd "$here" && timeout 600 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  printf '%s\n' "$want" >"$stamp"
fi

port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
"$bin" --addr "127.0.0.1:$port" --log-level warn &
pid=$!
for _ in $(seq 1 150); do
  curl -fsS "$base/v3/sql/carto_local/query?q=SELECT+1" >/dev/null 2>&1 && break
  sleep 0.2
done

json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(eval("v."+process.argv[1]))})' "$1"; }

sql="CALL carto.CREATE_SIMPLE_TILESET('demo.stores', 'demo.stores_mvt_check', '{\"zoom_max\": 6, \"properties\": {\"name\": \"String\", \"category\": \"String\", \"revenue\": \"Number\", \"store_id\": \"Number\"}}')"
id=$(curl -fsS -X POST -H 'Content-Type: application/json' \
  --data "$(node -e 'console.log(JSON.stringify({query: process.argv[1]}))' "$sql")" \
  "$base/v3/sql/carto_local/job" | json jobId)
status=pending
for _ in $(seq 1 600); do
  job=$(curl -fsS "$base/v3/sql/carto_local/job/$id")
  status=$(printf '%s' "$job" | json status)
  [ "$status" = success ] && break
  [ "$status" = failure ] && { echo "  FAIL  tileset job failed: $job"; exit 1; }
  sleep 0.2
done
[ "$status" = success ] || { echo "  FAIL  tileset job did not finish: $job"; exit 1; }

run_job() {
  local id job status
  id=$(curl -fsS -X POST -H 'Content-Type: application/json' \
    --data "$(node -e 'console.log(JSON.stringify({query: process.argv[1]}))' "$1")" \
    "$base/v3/sql/carto_local/job" | json jobId)
  status=pending
  for _ in $(seq 1 600); do
    job=$(curl -fsS "$base/v3/sql/carto_local/job/$id")
    status=$(printf '%s' "$job" | json status)
    [ "$status" = success ] && return 0
    [ "$status" = failure ] && { echo "  FAIL  tileset job failed: $job"; exit 1; }
    sleep 0.2
  done
  echo "  FAIL  tileset job did not finish: $job"; exit 1
}

# A point aggregation tileset too: cells with COUNT/SUM/AVG properties.
run_job "CALL carto.CREATE_POINT_AGGREGATION_TILESET('demo.stores', 'demo.stores_agg_check', '{\"zoom_max\": 6, \"aggregation_resolution\": 5, \"properties\": {\"stores\": {\"formula\": \"COUNT(*)\", \"type\": \"Number\"}, \"revenue\": {\"formula\": \"SUM(revenue)\", \"type\": \"Number\"}, \"avg_revenue\": {\"formula\": \"AVG(revenue)\", \"type\": \"Number\"}}}')"
mkdir "$work/agg"
qa="name=demo.stores_agg_check"
curl -fsS "$base/v3/maps/carto_local/tileset?$qa" >"$work/agg/tilejson.json"
agg=()
for zxy in 0/0/0 1/0/0 1/1/0 6/31/24 6/17/22; do
  f="$work/agg/${zxy//\//-}.mvt"
  curl -fsS -H 'Accept-Encoding: gzip' "$base/v3/maps/carto_local/tileset/$zxy?$qa" >"$f"
  agg+=("$f")
done
node "$here/check.mjs" "$work/agg/tilejson.json" "${agg[@]}"

q="name=demo.stores_mvt_check"
curl -fsS "$base/v3/maps/carto_local/tileset?$q" >"$work/tilejson.json"
files=()
# As served to a client that asks for gzip, and to one that does not.
for zxy in 0/0/0 1/0/0 1/1/0 1/0/1 1/1/1 6/31/24 6/17/22 6/52/27 6/33/21; do
  f="$work/${zxy//\//-}.mvt"
  curl -fsS -H 'Accept-Encoding: gzip' "$base/v3/maps/carto_local/tileset/$zxy?$q" >"$f"
  files+=("$f")
done
mkdir "$work/plain"
curl -fsS "$base/v3/maps/carto_local/tileset/0/0/0?$q" >"$work/plain/0-0-0.mvt"
node "$here/check.mjs" "$work/tilejson.json" "${files[@]}" "$work/plain/0-0-0.mvt"
