#!/usr/bin/env bash
# Soak: mixed traffic against "kaede demo" for a long time (bench/soak).
#
#   bench/soak.sh                 # 30 minutes, figures every 30 s
#   DURATION=3m INTERVAL=15s bench/soak.sh
#
# Browse, search, carts, checkouts by bank transfer, cash on delivery and
# card (the JSON API up to the provider's page), a member of staff in the
# admin, and the tamper monitor checking the payment pages every minute.
# Prints per interval: requests, 5xx, wrong answers, p50 and p99 latency,
# the store's resident memory; then the totals. Exits non-zero on any
# 5xx or wrong answer.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-30m}
INTERVAL=${INTERVAL:-30s}
CLIENTS=${CLIENTS:-8}
PORT=${PORT:-18180}
MONITOR_INTERVAL=${MONITOR_INTERVAL:-1m}
# http: the monitor fetches the pages; browser: a headless Chromium walks
# them too (heavier; its memory is Chromium's, not the store's).
MONITOR_MODE=${MONITOR_MODE:-http}
# DEBUG_ADDR=127.0.0.1:6060: the store serves Go's profiles there, e.g.
#   go tool pprof -seconds 30 http://127.0.0.1:6060/debug/pprof/profile
DEBUG_ADDR=${DEBUG_ADDR:-}

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/kaede" ./cmd/kaede
go build -o "$work/soak" ./bench/soak

. bench/demo.sh

# First start seeds the demo; then, with the store stopped, lift the
# limits per client (every soak client is 127.0.0.1) and deepen the stock.
start_demo --monitor-interval "$MONITOR_INTERVAL" --monitor-mode "$MONITOR_MODE"
kill "$demo_pid"; wait "$demo_pid" 2>/dev/null || true
"$work/soak" prepare --data "$work/data"
start_demo --monitor-interval "$MONITOR_INTERVAL" --monitor-mode "$MONITOR_MODE" ${DEBUG_ADDR:+--debug-addr "$DEBUG_ADDR"}
link=$("$work/kaede" staff add --demo --data "$work/data" --email soak@example.jp --role owner \
  --admin-url "http://127.0.0.1:$PORT" | grep -o 'http://[^ ]*/admin/enrol?token=[^ ]*')

echo "soak: $DURATION, $CLIENTS customers and one member of staff, monitor every $MONITOR_INTERVAL ($MONITOR_MODE)"
status=0
"$work/soak" run --base "http://127.0.0.1:$PORT" --pid "$demo_pid" --enrol "$link" --email soak@example.jp \
  --duration "$DURATION" --interval "$INTERVAL" --clients "$CLIENTS" || status=$?
"$work/soak" monitor --data "$work/data"
errors=$(grep -c 'level=ERROR' "$work/kaede.log" || true)
log=${LOG:-/tmp/kaede-soak.log}
cp "$work/kaede.log" "$log"
echo "store log: $errors ERROR lines; kept in $log"
grep 'level=ERROR' "$work/kaede.log" | grep -v 'component=jobs' | head -5 || true
exit "$status"
