#!/usr/bin/env bash
# Memory of a large shop: "kaede demo" filled with 10,000 products (in
# categories of 100 under ten parents, with variants, stock and the demo's
# pictures) and 100,000 past orders of 5,000 members and guests, then
# browsed by guests (bench/browse: top page, category pages paged through,
# product pages, searches, the products API) across the whole catalogue.
#
#   bench/memory.sh                      # 60 s of browsing, 8 visitors
#   DURATION=30s CLIENTS=4 bench/memory.sh
#   PRODUCTS=1000 ORDERS=10000 bench/memory.sh
#
# Prints the store's resident memory (VmRSS) at start and after the load,
# its peak (VmHWM), and PASS or FAIL of the RSS after the load against
# LIMIT_MB (150), as the target is worded. Exits 1 on FAIL.
#
# DEBUG_ADDR=127.0.0.1:6060 serves Go's profiles there and prints, after the
# load, how much of the RSS is Go's, and how much SQLite's page caches hold
# (outside Go's heap; the rest of the anonymous part is SQLite's statements,
# schemas and its allocator's partly used blocks).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-60s}
CLIENTS=${CLIENTS:-8}
PORT=${PORT:-18380}
PRODUCTS=${PRODUCTS:-10000}
ORDERS=${ORDERS:-100000}
LIMIT_MB=${LIMIT_MB:-150}
DEBUG_ADDR=${DEBUG_ADDR:-}

work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

go build -o "$work/kaede" ./cmd/kaede
go build -o "$work/fill" ./bench/fill
go build -o "$work/browse" ./bench/browse

. bench/demo.sh

# First start seeds the demo; then, with the store stopped, fill it.
start_demo
kill "$demo_pid"; wait "$demo_pid" 2>/dev/null || true
"$work/fill" --data "$work/data" --products "$PRODUCTS" --orders "$ORDERS"
echo "database: $(du -m "$work/data/kaede.db" | cut -f1) MB"
start_demo ${DEBUG_ADDR:+--debug-addr "$DEBUG_ADDR"}

kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$demo_pid/status"; }
mb() { awk -v v="$1" 'BEGIN {printf "%.1f MB", v / 1024}'; }

# The store's start-up tasks run just after it answers; let them finish.
sleep 5
start_rss=$(kb VmRSS)
echo "RSS at start: $(mb "$start_rss")   ($(uptime | sed 's/.*load/load/'))"
"$work/browse" --base "http://127.0.0.1:$PORT" --duration "$DURATION" --clients "$CLIENTS"
rss=$(kb VmRSS)
hwm=$(kb VmHWM)
echo "RSS after the load: $(mb "$rss") (anonymous $(mb "$(kb RssAnon)"), file $(mb "$(kb RssFile)"));" \
  "peak $(mb "$hwm")   ($(uptime | sed 's/.*load/load/'))"
if [ -n "$DEBUG_ADDR" ]; then
  # Go's memory held from the system is what it took (Sys) less the heap
  # it gave back (HeapReleased).
  curl -fsS "http://$DEBUG_ADDR/debug/pprof/heap?debug=1" |
    awk '$1 == "#" && $3 == "=" {v[$2] = $4 / 1048576}
      END {printf "Go: %.1f MB held (heap %.1f MB, of it %.1f MB in use); the rest of the anonymous RSS is SQLite'"'"'s\n",
        v["Sys"] - v["HeapReleased"], v["HeapSys"] - v["HeapReleased"], v["HeapInuse"]}'
  # SQLite's page caches, one budget for all its connections (internal/db).
  curl -fsS "http://$DEBUG_ADDR/debug/sqlite" |
    awk '{v[$1] = $2 / 1048576}
      END {printf "SQLite page caches: %.1f MB (peak %.1f MB)\n", v["sqlite_page_cache_bytes"], v["sqlite_page_cache_peak_bytes"]}'
fi
# Go returns freed heap to the system over the next seconds: for the record.
sleep 10
echo "RSS 10 s later: $(mb "$(kb VmRSS)")"
if ((rss < LIMIT_MB * 1024)); then
  echo "PASS: RSS after the load $(mb "$rss") < $LIMIT_MB MB (peak $(mb "$hwm"))"
else
  echo "FAIL: RSS after the load $(mb "$rss") ≥ $LIMIT_MB MB (peak $(mb "$hwm"))"
  exit 1
fi
