#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need
# (a MinIO server binary for the S3 tests and DuckDB's Node package for the
# SQL tests, cached under ~/.cache/flowlog; Debian's chromium for the
# report's browser tests),
# checks formatting and vet, and runs every test with the race detector;
# then the record and query tests again with the processor's vector
# instructions switched off, so the portable paths are tested too.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="/usr/local/go/bin:$PATH"

echo "==> go version: $(go version)"

echo "==> installing test dependencies"
FLOWLOG_MINIO="$(scripts/install-minio.sh)"
export FLOWLOG_MINIO
export FLOWLOG_REQUIRE_MINIO=1
echo "    minio: $FLOWLOG_MINIO"
# The report tests open the HTML report in headless Chromium: Debian's
# package, installed once per machine (CI runs as root).
if [ -z "${FLOWLOG_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		echo "    installing chromium (apt-get)"
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
	else
		echo "chromium is missing: run 'apt-get install chromium' as root, or set FLOWLOG_CHROMIUM" >&2
		exit 1
	fi
fi
export FLOWLOG_REQUIRE_CHROMIUM=1
echo "    chromium: ${FLOWLOG_CHROMIUM:-$(command -v chromium)}"
FLOWLOG_DUCKDB="$(scripts/install-duckdb.sh)"
export FLOWLOG_DUCKDB
export FLOWLOG_REQUIRE_DUCKDB=1
echo "    duckdb: $FLOWLOG_DUCKDB"

echo "==> gofmt"
unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"
	echo "$unformatted"
	exit 1
fi

echo "==> go vet"
go vet ./...

echo "==> go test -race"
go test -race -count=1 -timeout 30m ./...

# golang.org/x/sys/cpu reads GODEBUG: without AVX-512 the AVX2 kernel and
# the field-by-field number path run, without AVX2 the portable Go.
for off in cpu.avx512f=off cpu.avx2=off,cpu.avx512f=off; do
	echo "==> go test ./internal/record ./internal/query with GODEBUG=$off"
	GODEBUG=$off go test -count=1 ./internal/record ./internal/query
done

echo "==> all tests passed"
