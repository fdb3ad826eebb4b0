#!/usr/bin/env bash
# Checkout over HTTP: orders placed through the demo's JSON API (cart,
# item, checkout with an Idempotency-Key) by 32 connections, on SQLite and,
# when PostgreSQL is given, on two instances sharing one database.
#
#   bench/checkout.sh                               # SQLite, 20 s
#   PG=postgres://postgres@127.0.0.1:5432/test bench/checkout.sh   # also two instances on PostgreSQL
#   DURATION=60s CONNS=64 bench/checkout.sh
#
# Two loads each: every order from its own client address (X-Forwarded-For
# through the store's trusted proxy, as a shop behind Caddy or nginx sees
# its customers), and every order from 127.0.0.1 (the shop's limits per
# address lifted, as they must be for one client). Prints orders/s and the
# p50/p99 of an order (its three requests) and of one request, and the
# load average. Target on SQLite: ≥ 600 orders/s with a p99 under 100 ms.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20s}
CONNS=${CONNS:-32}
PORT=${PORT:-18280}
PG=${PG:-}

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/kaede" ./cmd/kaede
go build -o "$work/checkout" ./bench/checkout

. bench/demo.sh

# The first start seeds the demo; with the store stopped, the limits per
# client are lifted (every load client is 127.0.0.1) and the stock deepened.
start_demo --monitor-interval 24h --monitor-mode http --trusted-proxies 127.0.0.1/32
kill "$demo_pid"; wait "$demo_pid" 2>/dev/null || true
"$work/checkout" prepare --database "$work/data/kaede.db"
start_demo --monitor-interval 24h --monitor-mode http --trusted-proxies 127.0.0.1/32
status=0
load() { # label bases: the loads against the bases
  local label=$1 bases=$2
  echo "$label, customers' own addresses ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
  "$work/checkout" --base "$bases" --conns "$CONNS" --duration "$DURATION" --forwarded || status=$?
  echo "$label, customers' own addresses, the cart created with its item (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  "$work/checkout" --base "$bases" --conns "$CONNS" --duration "$DURATION" --forwarded --requests 2 || status=$?
  echo "$label, one address ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
  "$work/checkout" --base "$bases" --conns "$CONNS" --duration "$DURATION" || status=$?
}
load "SQLite, one instance" "http://127.0.0.1:$PORT"
kill "$demo_pid"; wait "$demo_pid" 2>/dev/null || true

if [ -n "$PG" ]; then
  # A schema of its own, dropped first: the demo seeds an empty database.
  schema=bench_checkout
  psql -q "$PG" -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null
  sep='?'; [[ $PG == *\?* ]] && sep='&'
  url="$PG${sep}search_path=$schema"
  [[ $url == *sslmode=* ]] || url="$url&sslmode=disable"
  rm -rf "$work/data" "$work/data2"
  start_demo --database "$url" --monitor-interval 24h --monitor-mode http --trusted-proxies 127.0.0.1/32
  kill "$demo_pid"; wait "$demo_pid" 2>/dev/null || true
  "$work/checkout" prepare --database "$url"
  start_demo --database "$url" --monitor-interval 24h --monitor-mode http --trusted-proxies 127.0.0.1/32
  first=$demo_pid
  # The second instance shares the images; a data directory that is not
  # empty also tells the demo not to seed again.
  mkdir -p "$work/data2" && cp -r "$work/data/media" "$work/data2/"
  "$work/kaede" demo --addr "127.0.0.1:$((PORT + 10))" --data "$work/data2" --database "$url" \
    --monitor-interval 24h --monitor-mode http --trusted-proxies 127.0.0.1/32 >>"$work/kaede2.log" 2>&1 &
  second=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$((PORT + 10))/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  load "PostgreSQL, two instances" "http://127.0.0.1:$PORT,http://127.0.0.1:$((PORT + 10))"
  kill "$first" "$second"; wait 2>/dev/null || true
  psql -q "$PG" -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null
fi
exit "$status"
