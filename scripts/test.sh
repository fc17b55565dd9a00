#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need
# (a MinIO server binary for the S3 tests, cached under ~/.cache/flowlog),
# checks formatting and vet, and runs every test with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="/usr/local/go/bin:$PATH"

echo "==> go version: $(go version)"

echo "==> installing test dependencies"
FLOWLOG_MINIO="$(scripts/install-minio.sh)"
export FLOWLOG_MINIO
export FLOWLOG_REQUIRE_MINIO=1
echo "    minio: $FLOWLOG_MINIO"

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

echo "==> all tests passed"
