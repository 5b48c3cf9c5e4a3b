#!/usr/bin/env bash
# Benchmark the simulator at scale: seeding time, RSS, and requests/s for GET /conversations/{id}
# and for contact and conversation search pages. Prints figures; asserts nothing.
# Usage: scripts/bench-simulator.sh [BINARY]   (default .build/release/intercache; needs wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release/intercache}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }

out=$(mktemp); err=$(mktemp); lua=$(mktemp --suffix=.lua)
start=$(date +%s.%N)
"$BIN" simulate --port 0 --seed 7 --contacts 100000 --companies 10000 --conversations 50000 \
  --parts-per-conversation 10 >"$out" 2>"$err" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out" "$err" "$lua"' EXIT
until grep -q '^listening on' "$out"; do sleep 0.05; done
ready=$(date +%s.%N)
base=$(head -1 "$out" | sed 's/^listening on //')
echo "ready to serve 100k contacts / 10k companies / 50k conversations in $(echo "$ready - $start" | bc) s"
grep seeded "$err" || true
echo "RSS after seeding: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB"

H='Authorization: Bearer simulator-token'
cat >"$lua" <<'LUA'
-- Cycle over 50,000 conversation ids (1000..50999).
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/conversations/" .. (1000 + (counter * 7919) % 50000))
end
LUA
echo "== GET /conversations/{id} ($CONNECTIONS connections, $DURATION)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "$H" -s "$lua" "$base" | grep -E 'Requests/sec|Latency|50%|99%'

for model in contacts conversations; do
  cat >"$lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":{"field":"updated_at","operator":">","value":1700000000},"sort":{"field":"updated_at","order":"ascending"},"pagination":{"per_page":150}}'
LUA
  echo "== POST /$model/search, 150 per page ($CONNECTIONS connections, $DURATION)"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -H "$H" -s "$lua" "$base/$model/search" | grep -E 'Requests/sec|Latency|50%|99%'
done
echo "RSS at the end: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MB"
