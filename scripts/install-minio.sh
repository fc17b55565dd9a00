#!/usr/bin/env bash
# Prints the path of a MinIO server binary, building it once with the Go
# toolchain (about four minutes) and caching it under ~/.cache/flowlog.
# The S3 tests start it on loopback; nothing else uses it.
set -euo pipefail

version="v0.0.0-20260212201848-7aac2a2c5b7c"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/flowlog/minio-$version"
bin="$cache/minio"

if [ ! -x "$bin" ]; then
	echo "building minio $version into $cache (about four minutes, once)" >&2
	mkdir -p "$cache"
	GOBIN="$cache" GOFLAGS=-mod=mod go install "github.com/minio/minio@$version" >&2
fi
echo "$bin"
