# Shared by the read benchmarks (sourced, not run): waiting for a server, and timing a route with wrk.
# Needs THREADS, CONNECTIONS, DURATION and WARMUP set, and wrk, bc on the PATH.

# bench_workdir: makes the temporary directory $work; on exit, every process passed to `track` is stopped and waited
# for, and $work removed.
tracked=
track() { tracked+=" $1"; }
# stop PID: stops a tracked process now, and forgets it (its pid may be reused by the time the script exits).
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; tracked=${tracked/ $1/}; }
bench_cleanup() {
  for p in $tracked; do kill "$p" 2>/dev/null || true; done
  for p in $tracked; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
bench_workdir() {
  work=$(mktemp -d)
  trap bench_cleanup EXIT
}

# wait_listening PID FILE: waits for the first stdout line `listening on URL` and prints URL; fails if PID exits first.
wait_listening() {
  until grep -q '^listening on' "$2"; do
    kill -0 "$1" 2>/dev/null || { echo "process $1 exited before listening:" >&2; cat "$2" "$2.err" >&2 2>/dev/null; return 1; }
    sleep 0.05
  done
  head -1 "$2" | sed 's/^listening on //'
}

# write_paths_lua FILE: a wrk script in which every request takes the next path of the file named in the script
# arguments (starting at a random one), and done() prints one RESULT line.
write_paths_lua() {
  cat >"$1" <<'LUA'
local paths, i = {}, 0
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths) - 1
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %d %d %d %d %d %d %d %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max, summary.requests,
    e.connect, e.read, e.write, e.timeout, e.status))
end
LUA
}

# ms MICROSECONDS: milliseconds with two decimals.
ms() { echo "scale=2; $1 / 1000" | bc | sed 's/^\./0./'; }

# time_route LUA URL PATHS: an untimed warm-up run, then a timed one; sets rps p50 p99 max total and errors (text).
time_route() {
  local out connect readerr writeerr timeout status
  [ "$WARMUP" = 0 ] || wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$1" "$2" -- "$3" >/dev/null 2>&1
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$1" "$2" -- "$3" 2>&1)
  grep -q '^RESULT' <<<"$out" || { echo "wrk failed on $2 $(head -1 "$3"):" >&2; echo "$out" >&2; return 1; }
  read -r _ rps p50 p99 max total connect readerr writeerr timeout status < <(grep '^RESULT' <<<"$out")
  errors=""
  [ "$status" -gt 0 ] && errors+="HTTP>=400: $status of $total; "
  [ $(( connect + readerr + writeerr + timeout )) -gt 0 ] && errors+="socket connect $connect read $readerr write $writeerr timeout $timeout; "
  errors=${errors:-none}
}
