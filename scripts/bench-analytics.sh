#!/usr/bin/env bash
# Benchmark the analytics routes (issue 18) side by side with Datasette answering the equivalent SQL on the same
# mirror file. Prints figures; asserts nothing.
#   1. takes a mirror from DB=path (build one with `KEEP_DB=path scripts/bench-sync.sh`);
#   2. starts `intercache serve` on it (its sync pointed at a closed port, so it only answers reads) and Datasette
#      (PyPI, in .venv-bench, installed on first use) on the same file;
#   3. for each pair, runs wrk (THREADS threads, CONNECTIONS connections, DURATION after an untimed WARMUP run)
#      against Intercache's route, then Datasette's SQL, alternating, and prints requests/s, p50, p99 and the ratio:
#        /conversations/counts?group_by=state                      SELECT state, count(*) … GROUP BY state
#        /conversations?state=open&admin_assignee_id=X&limit=50    the same rows and columns, in the same order
#        /conversations/aggregate?bucket=created_at:day&measures=count,median:metrics.time_to_first_response&tz=UTC
#                                                                  per UTC day: count, lower-middle median (window functions)
#        /admins/metrics                                           the scorecard in one SQL statement (window functions)
#      Datasette gets its fastest path: the SQL query form with _shape=array, no facets, no count.
# Targets (issue 18): the aggregate and /admins/metrics p99 < 50 ms at 64 connections; each route at least 10 times
# Datasette's requests/s.
# Usage: DB=mirror.sqlite scripts/bench-analytics.sh [BINARY]   (default .build/release/intercache; needs wrk, curl, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release/intercache}
THREADS=${THREADS:-2} CONNECTIONS=${CONNECTIONS:-64} DURATION=${DURATION:-10s} WARMUP=${WARMUP:-3s}
# Datasette takes a quarter of a second and more per aggregate: a longer window, and no warm-up run, whose queued
# statements it would go on executing into the timed run (its page cache is warmed by the untimed first request).
DS_DURATION=${DS_DURATION:-30s}
# Datasette's slow answers queue behind each other at 64 connections: wrk counts an answer later than this a timeout.
WRK_TIMEOUT=${WRK_TIMEOUT:-30s}
DATASETTE_VERSION=${DATASETTE_VERSION:-0.65.5}
for tool in wrk curl python3 bc; do command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install -y wrk curl bc)" >&2; exit 1; }; done
db=${DB:?set DB to a mirror file (KEEP_DB=path scripts/bench-sync.sh makes one)}
[ -f "$db" ] || { echo "DB=$db does not exist" >&2; exit 1; }
. scripts/bench-lib.sh

if [ ! -x .venv-bench/bin/datasette ]; then
  python3 -m venv .venv-bench && .venv-bench/bin/pip install -q "datasette==$DATASETTE_VERSION"
fi

bench_workdir

INTERCOM_ACCESS_TOKEN=x "$BIN" serve --database "$db" --port 0 --intercom-url http://127.0.0.1:9 \
  --sync-interval 86400 --full-sync-interval 86400 >"$work/serve.out" 2>"$work/serve.out.err" &
serve_pid=$!; track "$serve_pid"
url=$(wait_listening "$serve_pid" "$work/serve.out")
ds_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Limits raised so that every statement below runs to the end and returns all its rows.
.venv-bench/bin/datasette serve "$db" --host 127.0.0.1 --port "$ds_port" --setting sql_time_limit_ms 60000 \
  --setting max_returned_rows 100000 >"$work/ds.out" 2>&1 &
ds_pid=$!; track "$ds_pid"
until curl -sf "http://127.0.0.1:$ds_port/-/versions.json" >/dev/null; do
  kill -0 "$ds_pid" 2>/dev/null || { echo "datasette exited:" >&2; cat "$work/ds.out" >&2; exit 1; }
  sleep 0.2
done
dbname=$(basename "$db" .sqlite); dbname=${dbname%.db}
echo "== intercache $url, datasette $(.venv-bench/bin/datasette --version | awk '{print $3}') http://127.0.0.1:$ds_port/$dbname"

admin=$(curl -sf "$url/conversations/counts?group_by=admin_assignee_id&state=open" | python3 -c '
import json, sys
rows = [r for r in json.load(sys.stdin)["data"] if r["admin_assignee_id"] is not None]
print(max(rows, key=lambda r: r["count"])["admin_assignee_id"])')
# The list's columns and order, read from its own answer, so Datasette returns the same rows and columns.
columns=$(curl -sf "$url/conversations?limit=1" | python3 -c 'import json, sys; print(",".join(json.load(sys.stdin)["data"][0].keys()))')
quoted=$(python3 -c 'import sys; print(", ".join("\"%s\"" % c for c in sys.argv[1].split(",")))' "$columns")

sql_counts='SELECT state, count(*) AS count FROM conversations GROUP BY state ORDER BY count DESC, state'
sql_list="SELECT $quoted FROM conversations WHERE state = 'open' AND admin_assignee_id = '$admin' ORDER BY id LIMIT 50"
sql_aggregate="WITH x AS (
  SELECT date(c.created_at, 'unixepoch') AS day, m.time_to_first_response AS v
  FROM conversations c JOIN conversation_metrics m ON m.conversation_id = c.id),
r AS (SELECT day, v, row_number() OVER (PARTITION BY day ORDER BY v) AS rn, count(*) OVER (PARTITION BY day) AS k
  FROM x WHERE v IS NOT NULL),
med AS (SELECT day, max(CASE WHEN rn = (k + 1) / 2 THEN v END) AS median FROM r GROUP BY day)
SELECT x.day, count(*) AS count, med.median FROM x LEFT JOIN med ON med.day = x.day GROUP BY x.day ORDER BY x.day"
sql_scorecard="WITH b AS (
  SELECT DISTINCT c.id, c.admin_assignee_id AS a, c.state, json_extract(c.conversation_rating, '\$.rating') AS rating,
    m.time_to_first_response AS ttfr, m.time_to_last_close AS ttlc, m.median_time_to_reply AS mttr,
    m.count_reopens AS reopens, m.count_assignments AS assigns
  FROM conversations c JOIN conversation_metrics m ON m.conversation_id = c.id),
long AS (SELECT a, 'ttfr' AS f, ttfr AS v FROM b UNION ALL SELECT a, 'ttlc', ttlc FROM b UNION ALL SELECT a, 'mttr', mttr FROM b
  UNION ALL SELECT a, 'reopens', reopens FROM b UNION ALL SELECT a, 'assigns', assigns FROM b),
r AS (SELECT a, f, v, row_number() OVER (PARTITION BY a, f ORDER BY v) AS rn, count(*) OVER (PARTITION BY a, f) AS k
  FROM long WHERE v IS NOT NULL),
q AS (SELECT a, f, max(CASE WHEN rn = (k + 1) / 2 THEN v END) AS median, max(CASE WHEN rn = (9 * k + 9) / 10 THEN v END) AS p90
  FROM r GROUP BY a, f),
closers AS (SELECT last_closed_by_admin_id AS a, count(*) AS n FROM conversation_metrics
  WHERE last_closed_by_admin_id IS NOT NULL GROUP BY 1),
s AS (SELECT a, count(*) AS assigned, sum(state = 'open') AS open, sum(state = 'snoozed') AS snoozed,
  sum(state = 'closed') AS closed, avg(rating) AS mean_rating FROM b GROUP BY a)
SELECT s.a AS id, s.assigned AS conversations_assigned, s.open, s.snoozed, s.closed,
  coalesce((SELECT n FROM closers WHERE closers.a = s.a), 0) AS conversations_last_closed,
  max(CASE WHEN q.f = 'ttfr' THEN q.median END) AS median_time_to_first_response,
  max(CASE WHEN q.f = 'ttfr' THEN q.p90 END) AS p90_time_to_first_response,
  max(CASE WHEN q.f = 'ttlc' THEN q.median END) AS median_time_to_last_close,
  max(CASE WHEN q.f = 'mttr' THEN q.median END) AS median_median_time_to_reply,
  max(CASE WHEN q.f = 'reopens' THEN q.median END) AS median_reopens,
  max(CASE WHEN q.f = 'assigns' THEN q.median END) AS median_assignments, s.mean_rating
FROM s LEFT JOIN q ON q.a IS s.a GROUP BY s.a ORDER BY s.a"

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
ds() { echo "/$dbname.json?sql=$(enc "$1")&_shape=array"; }
pairs=(
  "counts by state|/conversations/counts?group_by=state|$(ds "$sql_counts")"
  "filtered list|/conversations?state=open&admin_assignee_id=$(enc "$admin")&limit=50|$(ds "$sql_list")"
  "daily aggregate|/conversations/aggregate?bucket=created_at:day&measures=count,median:metrics.time_to_first_response&tz=UTC|$(ds "$sql_aggregate")"
  "admin scorecard|/admins/metrics|$(ds "$sql_scorecard")"
)

write_paths_lua "$work/paths.lua"
wrk() { command wrk --timeout "$WRK_TIMEOUT" "$@"; }
echo "wrk -t$THREADS -c$CONNECTIONS: intercache -d$DURATION after a $WARMUP warm-up, datasette -d$DS_DURATION"
printf '%-16s %-11s %9s %9s %9s  %s\n' "(wrk -t$THREADS -c$CONNECTIONS)" "server" "req/s" "p50 ms" "p99 ms" "errors / answer"
for pair in "${pairs[@]}"; do
  IFS='|' read -r name ours theirs <<<"$pair"
  echo "$ours" >"$work/ours.paths"; echo "$theirs" >"$work/theirs.paths"
  # Each answer once, untimed: status, size and rows, so a failing route is named before it is timed.
  a=$(curl -s "$url$ours" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(len(d["data"]), "rows") if "data" in d else print(str(d)[:60])' 2>&1 || true)
  b=$(curl -s "http://127.0.0.1:$ds_port$theirs" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(len(d) if isinstance(d, list) else d, "rows")' 2>&1 || true)
  time_route "$work/paths.lua" "$url" "$work/ours.paths"
  ours_rps=$rps
  printf '%-16s %-11s %9s %9s %9s  %s\n' "$name" "intercache" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$errors; ${a:0:60}"
  DURATION=$DS_DURATION WARMUP=0 time_route "$work/paths.lua" "http://127.0.0.1:$ds_port" "$work/theirs.paths"
  printf '%-16s %-11s %9s %9s %9s  %s\n' "" datasette "$rps" "$(ms "$p50")" "$(ms "$p99")" "$errors; ${b:0:60}"
  printf '%-16s %-11s %9s\n' "" ratio "$(echo "scale=1; $ours_rps / $rps" | bc 2>/dev/null || echo "n/a")"
done
echo "== intercache memory after the runs: $(grep -E '^VmHWM' "/proc/$serve_pid/status" | awk '{print int($2 / 1024)}') MB peak RSS"
