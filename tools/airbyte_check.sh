#!/usr/bin/env bash
# Judge the Intercom simulator with the Airbyte Intercom connector (PyPI airbyte-source-intercom).
#
# Creates .venv-airbyte if missing, starts the simulator on a free port, runs tools/airbyte_check.py
# against it, stops the simulator, and exits with the check's status (non-zero on any count mismatch).
#
#   tools/airbyte_check.sh [check options, e.g. --no-throttle --workdir DIR --allow-part-cap]
#
# Environment:
#   SIM_FLAGS   simulator flags (default: --seed 7 --contacts 5000 --companies 500 --conversations 2000)
#   INTERCACHE  simulator binary (default: .build/debug/intercache)
#   CONNECTOR_VERSION  airbyte-source-intercom version to install (default: 0.8.3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-airbyte"
BIN="${INTERCACHE:-$ROOT/.build/debug/intercache}"
SIM_FLAGS="${SIM_FLAGS:---seed 7 --contacts 5000 --companies 500 --conversations 2000}"
CONNECTOR_VERSION="${CONNECTOR_VERSION:-0.8.3}"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import source_intercom" 2>/dev/null; then
    echo "creating $VENV with airbyte-source-intercom==$CONNECTOR_VERSION" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip
    "$VENV/bin/pip" install -q "airbyte-source-intercom==$CONNECTOR_VERSION"
fi

if [ ! -x "$BIN" ]; then
    echo "simulator binary not found at $BIN (build it first)" >&2
    exit 2
fi

SIM_OUT="$(mktemp -t intercache-sim.XXXXXX)"
# shellcheck disable=SC2086
"$BIN" simulate --port 0 $SIM_FLAGS >"$SIM_OUT" 2>&1 &
SIM_PID=$!
cleanup() {
    kill "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
    rm -f "$SIM_OUT"
}
trap cleanup EXIT INT TERM

URL=""
for _ in $(seq 1 300); do
    URL="$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$SIM_OUT" | head -1)"
    [ -n "$URL" ] && break
    if ! kill -0 "$SIM_PID" 2>/dev/null; then
        echo "simulator exited early:" >&2
        cat "$SIM_OUT" >&2
        exit 2
    fi
    sleep 0.1
done
if [ -z "$URL" ]; then
    echo "simulator did not report its address within 30s" >&2
    exit 2
fi
echo "simulator: $BIN simulate --port 0 $SIM_FLAGS -> $URL"

started=$(date +%s)
status=0
"$VENV/bin/python" "$ROOT/tools/airbyte_check.py" --base-url "$URL" "$@" || status=$?
echo "total wall time: $(( $(date +%s) - started ))s"
exit "$status"
