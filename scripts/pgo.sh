#!/usr/bin/env bash
# Remakes cmd/flowlog/default.pgo, the CPU profile the Go toolchain uses for
# profile-guided optimisation of every build of flowlog (go build, go
# install, goreleaser): the benchmark queries of scripts/bench.sh, run on
# simulated objects by BenchmarkQuerySimulated. Run it after changing the
# record parser or the query engine, then compare with scripts/bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

go test -run '^$' -bench '^BenchmarkQuerySimulated$' -benchtime 3s \
	-cpuprofile cmd/flowlog/default.pgo -o "$(mktemp -d)/query.test" ./internal/query
echo "wrote cmd/flowlog/default.pgo"
