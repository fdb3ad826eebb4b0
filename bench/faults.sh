#!/usr/bin/env bash
# Runs the fault tests (cmd/kaede/faults_*_test.go) and prints what each
# proved: the store run as its own process, killed with SIGKILL during a
# checkout storm (SQLite restarted; two instances on PostgreSQL, one
# killed) and during an incident campaign; PostgreSQL stopped and started
# under traffic (a private cluster); the SMTP server down mid-campaign; a
# full disk under SQLite (a small tmpfs: needs root).
#
#   bench/faults.sh
#   KAEDE_TEST_POSTGRES=postgres://… bench/faults.sh   # with the PostgreSQL storm
set -euo pipefail
cd "$(dirname "$0")/.."
export KAEDE_TEST_POSTGRES=${KAEDE_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
export KAEDE_REQUIRE_EXTERNAL=${KAEDE_REQUIRE_EXTERNAL:-1}
go test ./cmd/kaede -count=1 -v -run \
  'TestKillDuringCheckoutStorm|TestPostgresRestartUnderTraffic|TestSMTPDownDuringCampaign|TestKillDuringCampaign|TestDiskFullUnderSQLite' 2>&1 |
  grep -E '^(=== RUN|--- |    --- |    faults_[a-z]+_test.go|PASS|FAIL|ok )' | sed -E 's/^    faults_[a-z]+_test.go:[0-9]+: /      /'
