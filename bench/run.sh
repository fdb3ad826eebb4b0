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

# Real logged-in members: two register and log in through the store's
# forms, and wrk sends the session cookies they get. One of them is then
# made a practitioner (member prices) with the kaede CLI.
post_form() { # jar path [curl --data-urlencode args…]: GETs path for its CSRF token, then POSTs
  local jar=$1 path=$2 token
  shift 2
  token=$(curl -fsS -c "$jar" -b "$jar" "http://127.0.0.1:$PORT$path" |
    python3 -c 'import re,sys; print(re.search(r"name=\"csrf_token\" value=\"([^\"]+)\"", sys.stdin.read()).group(1))')
  curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" "$@" "http://127.0.0.1:$PORT$path"
}
member_session() { # email -> session cookie value of a new member logged in
  local jar="$work/jar.$1"
  post_form "$jar" /register --data-urlencode "email=$1" --data-urlencode "password=bench-member-pass" \
    --data-urlencode "password_confirm=bench-member-pass" --data-urlencode "name=ベンチ 会員" \
    --data-urlencode "name_kana=ベンチ カイイン" --data-urlencode "phone=0312345678"
  post_form "$jar" /login --data-urlencode "email=$1" --data-urlencode "password=bench-member-pass"
  awk '$6 == "kaede_session" {print $7}' "$jar"
}
member_cookie=$(member_session bench-member@example.jp)
pro_cookie=$(member_session bench-pro@example.jp)

kill "$demo_pid"; wait "$demo_pid" 2>/dev/null || true
"$work/fill" --data "$work/data" --count 30
# A licence as the account page would have filed it, approved the way staff do.
python3 - "$work/data/kaede.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("""INSERT INTO licences (member_id, licence_type, licence_number, submitted_at)
             SELECT id, 'hari', 'BENCH-1', CURRENT_TIMESTAMP FROM members WHERE email = 'bench-pro@example.jp'""")
c.execute("UPDATE members SET practitioner = 'pending' WHERE email = 'bench-pro@example.jp'")
c.commit()
PY
"$work/kaede" member approve-licence --data "$work/data" --email bench-pro@example.jp --reviewer bench >/dev/null
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
for c in "$member_cookie" "$pro_cookie"; do
  [[ $(curl -fsS -b "kaede_session=$c" "$page") == *'action="/logout"'* ]] || { echo "a bench member is not logged in"; exit 1; }
done
[[ $(curl -fsS -b "kaede_session=$pro_cookie" "$page") == *'class="member"'* ]] || { echo "the bench practitioner sees no member price"; exit 1; }

measure() { # name url [wrk args…] -> "name rps p99"
  local out rps p99 name=$1 url=$2
  shift 2
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  printf '%-34s %12s req/s   p99 %s\n' "$name" "$rps" "$p99"
  echo "$rps" >"$work/$name.rps"
}

uptime
echo "category page: $page ($count products, $(curl -fsS "$page" | wc -c) bytes)"
measure static-same-size "$static"
measure category-page "$page"
# A visitor with a session cookie is never served the guests' rendered
# page: this is the cost of rendering it every time.
measure category-page-rendered "$page" -H "Cookie: kaede_session=bench-visitor"
measure category-page-member "$page" -H "Cookie: kaede_session=$member_cookie"
measure category-page-practitioner "$page" -H "Cookie: kaede_session=$pro_cookie"
measure products-api "$api"
python3 - "$work" <<'PY'
import sys, pathlib
w = pathlib.Path(sys.argv[1])
s = float((w / "static-same-size.rps").read_text())
c = float((w / "category-page.rps").read_text())
a = float((w / "products-api.rps").read_text())
r = float((w / "category-page-rendered.rps").read_text())
m = float((w / "category-page-member.rps").read_text())
p = float((w / "category-page-practitioner.rps").read_text())
print(f"category page / static = {c / s:.0%}   rendered every time / static = {r / s:.0%}   "
      f"member / static = {m / s:.0%}   practitioner / static = {p / s:.0%}   "
      f"products API / static = {a / s:.0%}   (targets: category ≥ 50%, with a session ≥ 40%)")
PY
