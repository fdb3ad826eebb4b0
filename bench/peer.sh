#!/usr/bin/env bash
# The peer comparison: the same category-page and checkout loads as
# bench/run.sh and bench/checkout.sh, against a Vendure store's Shop API.
#
#   PEER_URL=http://localhost:3000/shop-api bench/peer.sh
#   PEER_URL=… DURATION=30s COLLECTION=electronics bench/peer.sh
#   PEER_URL=… OVERSELL=20 BUYERS=60 bench/peer.sh
#
# Category page: wrk POSTs the GraphQL "search" of one collection, 30
# products with name, slug, picture and price (bench/peer/checkout.go,
# listingQuery), as Kaede's /category/{slug}?limit=30. Checkout: guests
# through addItemToOrder … addPaymentToOrder (bench/peer). Prints req/s and
# p99, orders/s and p99. With OVERSELL=N it also sets one variant's stock to
# N units through the Admin API (PEER_ADMIN_USER, PEER_ADMIN_PASSWORD;
# default superadmin/superadmin) and sends BUYERS guests (default 60) to buy
# one each at once, then prints the orders paid. Without PEER_URL it says
# how to install Vendure (bench/README.md) and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-32}
CLIENTS=${CLIENTS:-8}
OVERSELL=${OVERSELL:-0}
BUYERS=${BUYERS:-60}
COLLECTION=${COLLECTION:-electronics}

if [[ -z ${PEER_URL:-} ]]; then
  cat <<'TXT'
peer.sh: PEER_URL is not set, so there is no peer to measure.
Install Vendure 3.x on PostgreSQL with its demo data (bench/README.md, "Peer: Vendure"):
  the steps that worked with 3.7.3 on this machine's PostgreSQL are in bench/README.md
  (Shop API at http://localhost:3000/shop-api)
then run: PEER_URL=http://localhost:3000/shop-api bench/peer.sh
TXT
  exit 0
fi

ping='{"query":"{ activeChannel { code } }"}'
if ! curl -fsS -m 5 -H 'Content-Type: application/json' -d "$ping" "$PEER_URL" >/dev/null; then
  echo "peer.sh: $PEER_URL does not answer a Shop API query"; exit 1
fi
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/peer" ./bench/peer

"$work/peer" --listing-body --collection "$COLLECTION" >"$work/body.json"
items=$(curl -fsS -H 'Content-Type: application/json' --data-binary @"$work/body.json" "$PEER_URL" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["data"]["search"]["items"]), "of", d["data"]["search"]["totalItems"])')
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open("$work/body.json"):read("*a")
LUA

echo "peer: $PEER_URL   ($(uptime | sed 's/.*load/load/'))"
out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$work/post.lua" "$PEER_URL")
printf '%-34s %12s req/s   p99 %s   (%s products; non-2xx: %s)\n' "peer category page ($COLLECTION)" \
  "$(awk '/^Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")" "$items" \
  "$(awk '/Non-2xx/ {print $NF}' <<<"$out" | grep . || echo 0)"
"$work/peer" --url "$PEER_URL" --duration "$DURATION" --clients "$CLIENTS" --collection "$COLLECTION"
echo "($(uptime | sed 's/.*load/load/'))"
if ((OVERSELL > 0)); then
  "$work/peer" --url "$PEER_URL" --collection "$COLLECTION" --oversell "$OVERSELL" --buyers "$BUYERS"
  echo "($(uptime | sed 's/.*load/load/'))"
fi
