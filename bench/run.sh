#!/usr/bin/env bash
# Measures the demo store against a plain net/http handler serving a page of
# the same size, side by side in one run, with wrk (Debian package "wrk").
#
#   bench/run.sh            # 10 s per target, 2 threads, 32 connections
#   DURATION=30s bench/run.sh
#
# Prints requests/s and p99 latency of each target and the ratio of the
# category page's rate to the static handler's. The target is ≥ 50 %.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
PORT=${PORT:-18080}
STATIC_PORT=${STATIC_PORT:-18090}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/kaede" ./cmd/kaede
go build -o "$work/static" ./bench/static

go build -o "$work/fill" ./bench/fill

. bench/demo.sh

# First start seeds the demo; then, with the store stopped, add a category
# of exactly 30 products and start it again.
start_demo
kill "$demo_pid"; wait "$demo_pid" 2>/dev/null || true
"$work/fill" --data "$work/data" --count 30
start_demo

category=bench
page="http://127.0.0.1:$PORT/category/$category?limit=30"
api="http://127.0.0.1:$PORT/api/v1/products?limit=30"
count=$(curl -fsS "http://127.0.0.1:$PORT/api/v1/products?category=$category&limit=30" |
  python3 -c 'import json,sys; print(len(json.load(sys.stdin)["products"]))')

"$work/static" --addr "127.0.0.1:$STATIC_PORT" --copy-from "$page" >"$work/static.log" 2>&1 &
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$STATIC_PORT/" >/dev/null 2>&1 && break
  sleep 0.1
done
static="http://127.0.0.1:$STATIC_PORT/"

measure() { # name url [wrk args…] -> "name rps p99"
  local out rps p99 name=$1 url=$2
  shift 2
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  printf '%-34s %12s req/s   p99 %s\n' "$name" "$rps" "$p99"
  echo "$rps" >"$work/$name.rps"
}

echo "category page: $page ($count products, $(curl -fsS "$page" | wc -c) bytes)"
measure static-same-size "$static"
measure category-page "$page"
# A visitor with a session cookie is never served the guests' rendered
# page: this is the cost of rendering it every time.
measure category-page-rendered "$page" -H "Cookie: kaede_session=bench-visitor"
measure products-api "$api"
python3 - "$work" <<'PY'
import sys, pathlib
w = pathlib.Path(sys.argv[1])
s = float((w / "static-same-size.rps").read_text())
c = float((w / "category-page.rps").read_text())
a = float((w / "products-api.rps").read_text())
r = float((w / "category-page-rendered.rps").read_text())
print(f"category page / static = {c / s:.0%}   rendered every time / static = {r / s:.0%}   "
      f"products API / static = {a / s:.0%}   (target: category ≥ 50%)")
PY
