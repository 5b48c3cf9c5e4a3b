#!/usr/bin/env bash
# Benchmark the read API (issue 4). Prints figures; asserts nothing.
#   1. builds a mirror of a CONTACTS/COMPANIES/CONVERSATIONS simulated workspace (mean 10 parts) with one full
#      sync, or takes an existing one from DB=path (served as is: the serve's failing scheduled sync may write
#      its error into sync_state);
#   2. starts `intercache serve` on it, its sync pointed at a closed port so it only answers reads;
#   3. runs wrk (THREADS threads, CONNECTIONS connections, DURATION each after an untimed WARMUP run that fills the
#      connections' page caches, closed loop) against five routes:
#        GET /contacts/{id}                             point read, cycling over IDS random contact ids
#        GET /users/{id}/conversations                  join, cycling over up to IDS users that have conversations
#        GET /conversations?state=open&admin_assignee_id=X&limit=50     filtered list, the admin with most open
#        GET /contacts?custom_attributes.KEY=V&limit=50                 JSON filter, the commonest string value
#        GET /counts                                    dashboard aggregates
#      and prints requests/s, p50, p99 and max latency, and socket errors and HTTP >= 400 responses, if any;
#      then the page for people (issue 19) at PAGE_CONNECTIONS connections (default 8):
#        GET /   GET /?days=7   GET /?q=WORD (a word of a conversation body)
#   4. prints the serve process's resident memory (VmRSS now, VmHWM peak) after the runs, split into its own memory
#      (RssAnon) and mapped files (RssFile: the binary, and the mirror's pages that API reads map).
# Targets (issue 4): p99 < 10 ms for point and join routes, < 50 ms for /counts; serve RSS < 150 MB.
# Target (issue 19): the page's p99 < 50 ms at 8 connections over the 100k mirror.
# Usage: scripts/bench-api.sh [BINARY]   (default .build/release/intercache; needs sqlite3, wrk, curl, python3)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release/intercache}
CONTACTS=${CONTACTS:-100000} COMPANIES=${COMPANIES:-10000} CONVERSATIONS=${CONVERSATIONS:-50000}
THREADS=${THREADS:-2} CONNECTIONS=${CONNECTIONS:-64} PAGE_CONNECTIONS=${PAGE_CONNECTIONS:-8} DURATION=${DURATION:-10s} IDS=${IDS:-1000} WARMUP=${WARMUP:-3s}
for tool in sqlite3 wrk curl python3; do command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install -y sqlite3 wrk curl)" >&2; exit 1; }; done

. scripts/bench-lib.sh
bench_workdir

if [ -n "${DB:-}" ]; then
  db=$DB
  [ -f "$db" ] || { echo "DB=$db does not exist" >&2; exit 1; }
  echo "== mirror: $db (given)"
else
  db=$work/api.sqlite
  echo "== mirror: full sync of $CONTACTS contacts, $COMPANIES companies, $CONVERSATIONS conversations (mean 10 parts)"
  "$BIN" simulate --port 0 --seed 7 --contacts "$CONTACTS" --companies "$COMPANIES" --conversations "$CONVERSATIONS" \
    --parts-per-conversation 10 >"$work/sim.out" 2>"$work/sim.out.err" &
  sim_pid=$!; track "$sim_pid"
  sim_url=$(wait_listening "$sim_pid" "$work/sim.out")
  start=$(date +%s.%N)
  INTERCOM_ACCESS_TOKEN=simulator-token "$BIN" sync --full --database "$db" --intercom-url "$sim_url" >/dev/null 2>"$work/sync.err" \
    || { echo "sync failed:" >&2; tail -20 "$work/sync.err" >&2; exit 1; }
  printf '    synced in %.1f s\n' "$(echo "$(date +%s.%N) - $start" | bc)"
  stop "$sim_pid"
fi
q() { sqlite3 -batch -noheader "file:$db?mode=ro" "$1"; }
printf '    %s contacts, %s conversations, %s parts; %s MB on disk (with WAL)\n' \
  "$(q 'SELECT count(*) FROM contacts')" "$(q 'SELECT count(*) FROM conversations')" \
  "$(q 'SELECT count(*) FROM conversation_parts')" \
  "$(( ( $(stat -c %s "$db") + $(stat -c %s "$db-wal" 2>/dev/null || echo 0) ) / 1048576 ))"

# Real ids and values from the mirror.
q "SELECT id FROM contacts ORDER BY random() LIMIT $IDS" | sed 's|^|/contacts/|' >"$work/contacts.paths"
first_user=$(q "SELECT contact_id FROM conversation_contacts cc JOIN contacts c ON c.id=cc.contact_id WHERE c.role='user' LIMIT 1")
{ echo "$first_user"
  q "SELECT DISTINCT cc.contact_id FROM conversation_contacts cc JOIN contacts c ON c.id=cc.contact_id WHERE c.role='user' AND cc.contact_id <> '$first_user' LIMIT $(( IDS - 1 ))"
} | sed 's|^|/users/|; s|$|/conversations|' >"$work/users.paths"
admin=$(q "SELECT admin_assignee_id FROM conversations WHERE state='open' AND admin_assignee_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
# The commonest (key, string value) among the first 2000 contacts' custom attributes.
IFS=$'\t' read -r attr_key attr_value attr_seen < <(sqlite3 -batch -noheader -separator $'\t' "file:$db?mode=ro" "
  SELECT j.key, j.value, count(*) FROM (SELECT custom_attributes FROM contacts WHERE custom_attributes IS NOT NULL LIMIT 2000) c,
    json_each(c.custom_attributes) j
  WHERE j.type = 'text' AND j.key NOT LIKE '%\"%' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1")
attr_matches=$(q "SELECT count(*) FROM contacts WHERE json_extract(custom_attributes, '\$.\"$attr_key\"') = '${attr_value//\'/\'\'}'")
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
echo "/conversations?state=open&admin_assignee_id=$(enc "$admin")&limit=50" >"$work/admin.paths"
echo "/contacts?custom_attributes.$(enc "$attr_key")=$(enc "$attr_value")&limit=50" >"$work/attr.paths"
echo "/counts" >"$work/counts.paths"
echo "    ids: $(wc -l <"$work/contacts.paths") contacts; $(wc -l <"$work/users.paths") users with conversations (first $first_user," \
  "$(q "SELECT count(*) FROM conversation_contacts WHERE contact_id='$first_user'") conversations)"
echo "    admin $admin: $(q "SELECT count(*) FROM conversations WHERE state='open' AND admin_assignee_id='$admin'") open conversations"
echo "    custom attribute $attr_key = '$attr_value': $attr_seen of the first 2000 contacts, $attr_matches of all"

echo "== serve"
INTERCOM_ACCESS_TOKEN=x "$BIN" serve --database "$db" --port 0 --intercom-url http://127.0.0.1:9 \
  --sync-interval 86400 --full-sync-interval 86400 >"$work/serve.out" 2>"$work/serve.out.err" &
serve_pid=$!; track "$serve_pid"
url=$(wait_listening "$serve_pid" "$work/serve.out")
echo "    $url (pid $serve_pid); RSS at start $(awk '/VmRSS/ {print int($2/1024)}' "/proc/$serve_pid/status") MB"

write_paths_lua "$work/paths.lua"
printf '%-72s %9s %9s %9s %9s  %s\n' "route (wrk -t$THREADS -c$CONNECTIONS -d$DURATION)" "req/s" "p50 ms" "p99 ms" "max ms" "errors"
for name in contacts users admin attr counts; do
  paths=$work/$name.paths
  label=$(head -1 "$paths"); [ "$(wc -l <"$paths")" -gt 1 ] && label="$(sed -E 's|/[^/]+(/conversations)?$|/{id}\1|' <<<"$label") ×$(wc -l <"$paths")"
  # One request first: its status and size, so a route answering 4xx/5xx is named before it is timed.
  check=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$url$(head -1 "$paths")")
  time_route "$work/paths.lua" "$url" "$paths"
  printf '%-72s %9s %9s %9s %9s  %s\n' "${label:0:72}" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$(ms "$max")" \
    "$errors (first: HTTP ${check% *}, ${check#* } bytes)"
done

echo "/" >"$work/page.paths"
echo "/?days=7" >"$work/page7.paths"
echo "/?q=message" >"$work/pageq.paths"
printf '%-72s %9s %9s %9s %9s  %s\n' "page (wrk -t$THREADS -c$PAGE_CONNECTIONS -d$DURATION)" "req/s" "p50 ms" "p99 ms" "max ms" "errors"
for name in page page7 pageq; do
  paths=$work/$name.paths
  check=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$url$(head -1 "$paths")")
  CONNECTIONS=$PAGE_CONNECTIONS time_route "$work/paths.lua" "$url" "$paths"
  printf '%-72s %9s %9s %9s %9s  %s\n' "$(head -1 "$paths")" "$rps" "$(ms "$p50")" "$(ms "$p99")" "$(ms "$max")" \
    "$errors (first: HTTP ${check% *}, ${check#* } bytes)"
done

echo "== serve memory after the runs"
grep -E '^(VmRSS|VmHWM|RssAnon|RssFile)' "/proc/$serve_pid/status" | awk '{printf "    %s %d MB\n", $1, $2 / 1024}'
echo "    (RssAnon is the process's own memory; RssFile counts the mapped pages of the binary and of the mirror, which"
echo "     API reads map: they are the kernel's page cache, shared and reclaimable, charged the same when read by pread)"
if grep -qiE 'error|fatal' "$work/serve.out.err"; then
  echo "    serve stderr ($(grep -ciE 'error|fatal' "$work/serve.out.err") lines naming errors; the scheduled sync against port 9 is expected to fail):"
  grep -iE 'error|fatal' "$work/serve.out.err" | grep -v 'sync pass failed' | cut -c1-200 | sort | uniq -c | sort -rn | head -5 | sed 's/^/     /' || true
fi
