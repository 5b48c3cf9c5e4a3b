#!/usr/bin/env bash
# Benchmark freshness (issue 5): the delay from a change in the simulator to the change being visible in the read
# API, with webhooks on and off. Prints median, p90, p99 and max; asserts nothing.
#   Each probe changes one item the simulator's control surface (a contact renamed, a reply added to a conversation,
#   a company renamed), then polls GET /RESOURCE/ID on the read API until it shows the item's new updated_at.
#   With webhooks on, the simulator POSTs a signed notification to serve's /webhooks/intercom and serve re-fetches
#   the item; with them off, only the scheduler's incremental pass (every INTERVAL seconds) brings the change.
# Usage: scripts/bench-freshness.sh [BINARY]   (default .build/release/intercache)
# Env: CONTACTS COMPANIES CONVERSATIONS (workspace), INTERVAL (sync interval, s), PROBES_ON, PROBES_OFF.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build/release/intercache}
CONTACTS=${CONTACTS:-20000} COMPANIES=${COMPANIES:-2000} CONVERSATIONS=${CONVERSATIONS:-10000}
INTERVAL=${INTERVAL:-15} PROBES_ON=${PROBES_ON:-300} PROBES_OFF=${PROBES_OFF:-60}

work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill $p 2>/dev/null; done; rm -rf "$work"' EXIT
secret=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

"$BIN" simulate --port 0 --seed 7 --contacts "$CONTACTS" --companies "$COMPANIES" --conversations "$CONVERSATIONS" \
  >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
until grep -q '^listening on' "$work/sim.out"; do sleep 0.05; done
sim=$(head -1 "$work/sim.out" | sed 's/^listening on //')

INTERCOM_ACCESS_TOKEN=simulator-token INTERCOM_CLIENT_SECRET=$secret \
  "$BIN" serve --port 0 --database "$work/mirror.sqlite" --intercom-url "$sim" --sync-interval "$INTERVAL" \
  >"$work/serve.out" 2>"$work/serve.err" &
pids+=($!)
until grep -q '^listening on' "$work/serve.out"; do sleep 0.05; done
api=$(head -1 "$work/serve.out" | sed 's/^listening on //')
echo "workspace $CONTACTS/$COMPANIES/$CONVERSATIONS; sync interval ${INTERVAL}s; waiting for the first full sync..."
until [ "$(curl -s -o /dev/null -w '%{http_code}' "$api/readyz")" = 200 ]; do sleep 0.5; done

probe() {  # probe MODE COUNT SPACING POLL
  python3 - "$sim" "$api" "$1" "$2" "$3" "$4" <<'PY'
import json, random, sys, threading, time, urllib.request
sim, api, mode, count, spacing, poll = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])

def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())

def ids(resource, n):
    out, cursor = [], None
    while len(out) < n:
        page = call("GET", f"{api}/{resource}?limit=1000&fields=id" + (f"&cursor={cursor}" if cursor else ""))
        out += [item["id"] for item in page["data"]]
        cursor = page.get("next_cursor")
        if not cursor: break
    return out

random.seed(5)
pools = {r: ids(r, 5000) for r in ("contacts", "conversations", "companies")}
for pool in pools.values(): random.shuffle(pool)
delays, lock = [], threading.Lock()

def one(i):
    resource = ("contacts", "conversations", "companies")[i % 3]
    item = pools[resource].pop()
    start = time.monotonic()
    if resource == "contacts":
        changed = call("PATCH", f"{sim}/_simulator/contacts/{item}", {"name": f"probe {mode} {i}"})
    elif resource == "conversations":
        changed = call("POST", f"{sim}/_simulator/conversations/{item}/parts", {"count": 1})
    else:
        changed = call("PATCH", f"{sim}/_simulator/companies/{item}", {"name": f"probe {mode} {i}"})
    want = changed["updated_at"]
    deadline = start + 600
    while time.monotonic() < deadline:
        seen = call("GET", f"{api}/{resource}/{item}?fields=id,updated_at")
        if (seen.get("updated_at") or 0) >= want:
            with lock: delays.append(time.monotonic() - start)
            return
        time.sleep(poll)

threads = []
for i in range(count):
    t = threading.Thread(target=one, args=(i,)); t.start(); threads.append(t)
    time.sleep(spacing)
for t in threads: t.join()
delays.sort()
q = lambda p: delays[min(len(delays) - 1, int(p * len(delays)))]
print(f"webhooks {mode:3}: {len(delays)}/{count} changes seen; median {q(0.5)*1000:7.0f} ms  p90 {q(0.9)*1000:7.0f} ms  "
      f"p99 {q(0.99)*1000:7.0f} ms  max {delays[-1]*1000:7.0f} ms")
PY
}

curl -s -X POST "$sim/_simulator/config" -d "{\"webhook_url\":\"$api/webhooks/intercom\",\"webhook_secret\":\"$secret\"}" >/dev/null
probe on "$PROBES_ON" 0.1 0.02
curl -s "$api/sync" | python3 -c 'import json,sys; w=json.load(sys.stdin)["webhooks"]; print("    serve counted:", {k: w[k] for k in ("received","applied","duplicates","failed","rejected")})'
curl -s -X POST "$sim/_simulator/config" -d '{"webhook_url":null}' >/dev/null
probe off "$PROBES_OFF" 0.5 0.1
echo "    (off: bounded by the sync interval, ${INTERVAL}s, plus the pass's own time)"
