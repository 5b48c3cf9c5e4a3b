#!/usr/bin/env bash
# Benchmark the two engines side by side in one run (issue 20). Prints figures; asserts nothing.
#   1. the same full sync (CONTACTS/COMPANIES/CONVERSATIONS, mean 10 parts; TICKETS) into SQLite, then into PostgreSQL:
#      wall time, rows/s, peak RSS, and the PostgreSQL/SQLite ratios;
#   2. the read benchmark's routes at 64 connections: serve on SQLite, one replica on PostgreSQL, and two replicas on
#      PostgreSQL (32 connections each, at once): requests/s and p99.
# Usage: scripts/with-postgres.sh scripts/bench-engines.sh [BINARY]   (PostgreSQL from INTERCACHE_TEST_POSTGRES)
# Durability is matched: SQLite runs WAL with synchronous=NORMAL (no fsync per commit), so run the server with
# PG_SERVER_OPTIONS='-c synchronous_commit=off' (commits survive a process crash; an OS crash may drop the last ones).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release/intercache}
CONTACTS=${CONTACTS:-100000} COMPANIES=${COMPANIES:-10000} CONVERSATIONS=${CONVERSATIONS:-50000} TICKETS=${TICKETS:-0}
DURATION=${DURATION:-10}
: "${INTERCACHE_TEST_POSTGRES:?run under scripts/with-postgres.sh}"
for tool in wrk sqlite3 /usr/bin/time psql; do command -v "$tool" >/dev/null || { echo "$tool is needed" >&2; exit 1; }; done
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null || true; done; rm -rf "$work"' EXIT
export INTERCOM_ACCESS_TOKEN=simulator-token
pg="${INTERCACHE_TEST_POSTGRES}?schema=bench"
psql "$INTERCACHE_TEST_POSTGRES" -qc 'DROP SCHEMA IF EXISTS bench CASCADE' 2>/dev/null

"$BIN" simulate --port 0 --seed 7 --parts-per-conversation 10 --contacts "$CONTACTS" --companies "$COMPANIES" \
  --conversations "$CONVERSATIONS" --tickets "$TICKETS" >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
until grep -q '^listening on' "$work/sim.out"; do sleep 0.05; done
base=$(head -1 "$work/sim.out" | sed 's/^listening on //')

echo "== full sync: $CONTACTS contacts, $COMPANIES companies, $CONVERSATIONS conversations, $TICKETS tickets (mean 10 parts)"
declare -A WALL RSS
for engine in sqlite postgres; do
  db=$work/full.sqlite; [ $engine = postgres ] && db=$pg
  start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$BIN" sync --full --database "$db" --intercom-url "$base" 2>"$work/sync-$engine.err" >/dev/null \
    || { echo "$engine: sync failed" >&2; tail -20 "$work/sync-$engine.err" >&2; exit 1; }
  WALL[$engine]=$(echo "$(date +%s.%N) - $start" | bc)
  RSS[$engine]=$(( $(cat "$work/rss") / 1024 ))
  rows=$(grep -oE '^[0-9]+ rows in' "$work/sync-$engine.err" | grep -oE '^[0-9]+')
  printf '%-10s %7.1f s  %6d rows/s  peak RSS %4d MB   (%s rows written)\n' "$engine" "${WALL[$engine]}" \
    "$(echo "$rows / ${WALL[$engine]}" | bc)" "${RSS[$engine]}" "$rows"
done
printf 'postgres/sqlite: wall %.2fx, peak RSS %.2fx\n' "$(echo "${WALL[postgres]} / ${WALL[sqlite]}" | bc -l)" \
  "$(echo "${RSS[postgres]} / ${RSS[sqlite]}" | bc -l)"
kill "${pids[0]}"

# The read routes: point reads, a relation list, filtered lists and the dashboard counts, ids from the mirror.
ids=$(sqlite3 "$work/full.sqlite" "SELECT id FROM contacts WHERE role = 'user' ORDER BY id LIMIT 200")
{
  echo 'local paths = {}'
  for id in $ids; do echo "table.insert(paths, '/contacts/$id')"; echo "table.insert(paths, '/users/$id/conversations')"; done
  echo "table.insert(paths, '/conversations?state=open&sort=-updated_at&limit=50')"
  echo "table.insert(paths, '/contacts?role=user&sort=-updated_at&limit=50')"
  echo "table.insert(paths, '/counts')"
  echo 'local n = 0'
  echo 'request = function() n = n + 1; return wrk.format("GET", paths[(n % #paths) + 1]) end'
} > "$work/routes.lua"

serve() {  # serve DB PORT REPLICA: starts a replica, waits until it answers
  # A process left on the port (an earlier run's) would answer for it and be measured instead.
  if curl -s -o /dev/null "http://127.0.0.1:$2/healthz"; then echo "port $2 is taken: stop what listens there" >&2; exit 1; fi
  INTERCACHE_REPLICA_ID=$3 "$BIN" serve --database "$1" --port "$2" --intercom-url http://127.0.0.1:9 \
    --sync-interval 86400 --full-sync-interval 86400 >"$work/serve-$2.out" 2>"$work/serve-$2.err" &
  pids+=($!)
  until curl -sf "http://127.0.0.1:$2/healthz" >/dev/null; do sleep 0.1; done
  curl -s "http://127.0.0.1:$2/counts" >/dev/null
}
load() {  # load CONNECTIONS PORT: prints requests/s and p99 (ms)
  wrk -t2 -c"$1" -d"${DURATION}s" --latency -s "$work/routes.lua" "http://127.0.0.1:$2" > "$work/wrk-$2.txt"
  grep -E 'Socket errors|Non-2xx' "$work/wrk-$2.txt" >&2 || true
  awk '/Requests\/sec/ {r=$2} /^ +99%/ {p=$2} END {print r, p}' "$work/wrk-$2.txt"
}
echo "== reads at 64 connections over the routes (${DURATION} s each after a warm-up)"
serve "$work/full.sqlite" 18201 sqlite
wrk -t2 -c64 -d3s -s "$work/routes.lua" http://127.0.0.1:18201 >/dev/null
read -r rps p99 < <(load 64 18201)
printf '%-28s %9s req/s  p99 %s\n' "sqlite, one process" "$rps" "$p99"
kill "${pids[-1]}"
serve "$pg" 18202 replica-a
wrk -t2 -c64 -d3s -s "$work/routes.lua" http://127.0.0.1:18202 >/dev/null
read -r rps p99 < <(load 64 18202)
printf '%-28s %9s req/s  p99 %s\n' "postgres, one replica" "$rps" "$p99"
serve "$pg" 18203 replica-b
wrk -t2 -c32 -d3s -s "$work/routes.lua" http://127.0.0.1:18203 >/dev/null
load 32 18202 > "$work/two-a" & other=$!
load 32 18203 > "$work/two-b"; wait $other
read -r ra pa < "$work/two-a"; read -r rb pb < "$work/two-b"
printf '%-28s %9.0f req/s  p99 %s / %s (each replica)\n' "postgres, two replicas" "$(echo "$ra + $rb" | bc)" "$pa" "$pb"
