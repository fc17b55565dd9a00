#!/usr/bin/env bash
# Prints the folder DuckDB's Node package (@duckdb/node-api, the versions of
# scripts/duckdb/package-lock.json) is installed in, installing it with npm
# once and caching it under ~/.cache/flowlog/duckdb. The SQL tests
# (FLOWLOG_DUCKDB) and scripts/bench.sh use it; the release build does not.
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${XDG_CACHE_HOME:-$HOME/.cache}/flowlog/duckdb"
mkdir -p "$dir"
if ! cmp -s scripts/duckdb/package-lock.json "$dir/package-lock.json" ||
	[ ! -d "$dir/node_modules/@duckdb/node-api" ]; then
	echo "installing @duckdb/node-api into $dir" >&2
	cp scripts/duckdb/package.json scripts/duckdb/package-lock.json "$dir/"
	(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
echo "$dir"
