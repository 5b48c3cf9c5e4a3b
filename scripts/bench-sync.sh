#!/usr/bin/env bash
# Benchmark the sync against the simulator (issue 3). Prints figures; asserts nothing.
#   1. full sync of a CONTACTS/COMPANIES/CONVERSATIONS/TICKETS workspace: wall time, rows written per second,
#      API calls, peak RSS (GNU time), rows in the mirror, and per resource its rows and seconds;
#   2. incremental sync after 1% of contacts and conversations change, contacts+conversations only and
#      all resources, against the fewest calls that could find the changes;
#   3. a full sync of a smaller workspace with the simulator limited to RATE calls/min: wall time
#      against the floor (calls ÷ rate) and 429s, at the default --rate-limit-share 0.8 and at 1.0.
# Usage: scripts/bench-sync.sh [BINARY]   (default .build/release/intercache; needs sqlite3, GNU time)
# KEEP_DB=path keeps a copy of the full sync's mirror there (for scripts/bench-api.sh's DB=).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release/intercache}
CONTACTS=${CONTACTS:-100000} COMPANIES=${COMPANIES:-10000} CONVERSATIONS=${CONVERSATIONS:-50000} TICKETS=${TICKETS:-10000}
RATE=${RATE:-6000}
RATE_CONTACTS=${RATE_CONTACTS:-5000} RATE_COMPANIES=${RATE_COMPANIES:-500} RATE_CONVERSATIONS=${RATE_CONVERSATIONS:-2500}
RATE_TICKETS=${RATE_TICKETS:-500}
for tool in sqlite3 /usr/bin/time; do command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install -y sqlite3 time)" >&2; exit 1; }; done

work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
export INTERCOM_ACCESS_TOKEN=simulator-token

# start_simulator ARGS...: starts the simulator, sets $pid and $base.
start_simulator() {
  [ -n "$pid" ] && { kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; }
  "$BIN" simulate --port 0 --seed 7 --parts-per-conversation 10 "$@" >"$work/sim.out" 2>"$work/sim.err" &
  pid=$!
  until grep -q '^listening on' "$work/sim.out"; do sleep 0.05; done
  base=$(head -1 "$work/sim.out" | sed 's/^listening on //')
}
counter() { curl -s "$base/_simulator/counters" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
# Rows of the mirrored data: not the bookkeeping, nor the full-text index (its virtual table, FTS5 shadow tables
# and search_refs repeat each indexed document up to four times; search_pending is its empty queue).
mirror_rows() {
  sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_index%' AND name NOT IN ('sync_state','sync_runs','deletions','grdb_migrations','mirror_generation','search_refs','search_pending')" \
    | while read -r t; do sqlite3 "$1" "SELECT count(*) FROM \"$t\""; done | paste -sd+ | bc
}
# run_sync LABEL DB ARGS...: one timed sync; prints wall time, calls, 429s, peak RSS and the engine's summary line.
run_sync() {
  local label=$1 db=$2; shift 2
  local before; before=$(counter calls)
  local start; start=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$BIN" sync --database "$db" --intercom-url "$base" "$@" 2>"$work/sync.err" >/dev/null \
    || { echo "$label: sync failed:" >&2; tail -20 "$work/sync.err" >&2; exit 1; }
  local wall; wall=$(echo "$(date +%s.%N) - $start" | bc)
  calls=$(( $(counter calls) - before ))
  printf '%-44s %7.1f s  %7d calls  peak RSS %4d MB\n' "$label" "$wall" "$calls" $(( $(cat "$work/rss") / 1024 ))
  grep -E 'rows in' "$work/sync.err" | sed 's/^/    engine: /'
  WALL=$wall
}

echo "== full sync: $CONTACTS contacts, $COMPANIES companies, $CONVERSATIONS conversations, $TICKETS tickets (mean 10 parts)"
start_simulator --contacts "$CONTACTS" --companies "$COMPANIES" --conversations "$CONVERSATIONS" --tickets "$TICKETS"
run_sync "full sync" "$work/full.sqlite" --full
rows=$(mirror_rows "$work/full.sqlite")
echo "    mirror holds $rows rows in its data tables (search index excluded): $(echo "$rows / $WALL" | bc) rows/s over the wall time"
if [ -n "${KEEP_DB:-}" ]; then
  rm -f "$KEEP_DB" "$KEEP_DB-wal" "$KEEP_DB-shm"
  cp "$work/full.sqlite" "$KEEP_DB"; cp "$work/full.sqlite-wal" "$KEEP_DB-wal" 2>/dev/null || true
  echo "    kept a copy of the mirror at $KEEP_DB"
fi
sqlite3 "$work/full.sqlite" "SELECT '    '||resource||': '||rows_written||' written, mirrored '||coalesce(mirrored_total,'-')||' / intercom '||coalesce(intercom_total,'-')||', '||(finished_at - started_at)||' s' FROM sync_runs ORDER BY id" | head -30
echo "    ticket parts: $(sqlite3 "$work/full.sqlite" 'SELECT count(*) FROM ticket_parts'), ticket links: $(sqlite3 "$work/full.sqlite" 'SELECT count(*) FROM ticket_links')"

echo "== incremental sync after 1% of contacts and conversations change"
changed_contacts=$(( CONTACTS / 100 )) changed_conversations=$(( CONVERSATIONS / 100 ))
# One change set: both runs start from a copy of the full sync's mirror, so each sees exactly these changes.
curl -s -X POST "$base/_simulator/mutate" -d "{\"contacts\":$changed_contacts,\"conversations\":$changed_conversations}" >/dev/null
for resources in contacts,conversations all; do
  cp "$work/full.sqlite" "$work/inc.sqlite"; rm -f "$work/inc.sqlite-wal" "$work/inc.sqlite-shm"
  cp "$work/full.sqlite-wal" "$work/inc.sqlite-wal" 2>/dev/null || true
  args=(); [ "$resources" = all ] || args=(--resources "$resources")
  run_sync "incremental ($resources)" "$work/inc.sqlite" "${args[@]}"
done
# The fewest calls: search pages of 150 for each changed set, plus one GET per changed conversation for its parts.
minimum=$(( (changed_contacts + 149) / 150 + (changed_conversations + 149) / 150 + changed_conversations ))
echo "    fewest calls that could find the changes (contacts,conversations): $minimum"

echo "== rate-limited full sync: $RATE_CONTACTS/$RATE_COMPANIES/$RATE_CONVERSATIONS/$RATE_TICKETS, simulator at $RATE calls/min"
start_simulator --contacts "$RATE_CONTACTS" --companies "$RATE_COMPANIES" --conversations "$RATE_CONVERSATIONS" --tickets "$RATE_TICKETS" \
  --rate-limit "$RATE"
for share in 0.8 1.0; do
  limited_before=$(counter rate_limited)
  run_sync "full sync, --rate-limit-share $share" "$work/rate-$share.sqlite" --full --rate-limit-share "$share"
  floor=$(echo "scale=1; $calls * 60 / $RATE" | bc)
  echo "    floor $floor s (calls ÷ rate); ratio $(echo "scale=2; $WALL / $floor" | bc); 429s $(( $(counter rate_limited) - limited_before ))"
  sleep 11  # let the simulator's 10-second window empty before the next run
done
