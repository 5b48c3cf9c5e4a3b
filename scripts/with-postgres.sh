#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on loopback (Debian's `postgresql` package), for the tests of the
# PostgreSQL engine: a cluster of its own in a temporary directory, password (SCRAM) authentication, its URL in
# INTERCACHE_TEST_POSTGRES. The server is stopped and its files removed when the command ends, whatever its outcome.
#   scripts/with-postgres.sh swift test
# PG_SERVER_OPTIONS replaces the server's `-c fsync=off` (test data is scratch); benchmarks pass their own.
set -euo pipefail

if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
port=${INTERCACHE_TEST_POSTGRES_PORT:-54329}
# Another run's server on the port (two test runs at once): take the next free one, unless a port was asked for.
if [ -z "${INTERCACHE_TEST_POSTGRES_PORT:-}" ]; then
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
fi
data=$(mktemp -d /tmp/intercache-pg.XXXXXX)
password=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$data"
printf '%s\n' "$password" > "$data/pwfile"
[ "$(id -u)" = 0 ] && chown postgres "$data/pwfile"
as_postgres "$bin/initdb" -D "$data/db" -U intercache --pwfile="$data/pwfile" --auth-local=trust --auth-host=scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 >/dev/null
stop() { as_postgres "$bin/pg_ctl" -D "$data/db" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$data"; }
trap stop EXIT
as_postgres "$bin/pg_ctl" -D "$data/db" -l "$data/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$data -c max_connections=1000 ${PG_SERVER_OPTIONS:--c fsync=off}" start >/dev/null
as_postgres "$bin/createdb" -h "$data" -p "$port" -U intercache intercache_test </dev/null
export INTERCACHE_TEST_POSTGRES="postgres://intercache:$password@127.0.0.1:$port/intercache_test"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port for the tests" >&2
"$@"
