#!/bin/sh
# net-bench.sh times a bucket query over a bad network against the same
# query over a good one: MinIO on loopback, read directly and through the
# fault proxy (internal/objstore/miniotest/faultproxy) answering 10% of
# object reads with 503 SlowDown, cutting 10% after 4 KiB and stalling 5%
# after 4 KiB. Both must print the same bytes; the goal is a fault run of at
# most twice the fault-free time. Usage: scripts/net-bench.sh [RUNS] [READ_TIMEOUT]
set -eu
runs=${1:-5}
timeout=${2:-1s}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
minio_pid="" proxy_pid=""
cleanup() {
	[ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null
	[ -n "$minio_pid" ] && kill "$minio_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

go build -o "$work/flowlog" ./cmd/flowlog
go build -o "$work/faultproxy" ./internal/objstore/miniotest/faultproxy
minio="$(scripts/install-minio.sh)"
mkdir -p "$work/data/bench"
port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
MINIO_ROOT_USER=flowlog-bench MINIO_ROOT_PASSWORD=flowlog-bench-secret \
	"$minio" server "$work/data" --address "127.0.0.1:$port" --console-address "127.0.0.1:$((port + 1))" >"$work/minio.log" 2>&1 &
minio_pid=$!
direct="http://127.0.0.1:$port"
export FLOWLOG_REGION=us-east-1 AWS_ACCESS_KEY_ID=flowlog-bench AWS_SECRET_ACCESS_KEY=flowlog-bench-secret
export FLOWLOG_ENDPOINT="$direct" FLOWLOG_DB="$work/flowlog.db"
for _ in $(seq 100); do
	"$work/flowlog" query s3://bench --count >/dev/null 2>&1 && break
	sleep 0.2
done
"$work/flowlog" simulate --bucket bench/web --name web01 --from 2026-11-20T00:00:00Z --duration 24h --seed 7 2>&1

"$work/faultproxy" -target "$direct" -seed 13 -slowdown 0.1 -cut 0.1 -stall 0.05 >"$work/proxy.url" 2>"$work/proxy.log" &
proxy_pid=$!
for _ in $(seq 100); do [ -s "$work/proxy.url" ] && break; sleep 0.1; done
proxied=$(cat "$work/proxy.url")

wall() { # prints the seconds a command took
	s=$(date +%s.%N)
	"$@" >"$work/out" 2>>"$work/stats"
	e=$(date +%s.%N)
	echo "$e - $s" | bc
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for q in "-o ndjson" "--group-by srcaddr/24 --top 20 --sort bytes -o csv"; do
	clean="" faulty=""
	for _ in $(seq "$runs"); do
		# shellcheck disable=SC2086
		clean="$clean $(FLOWLOG_ENDPOINT=$direct wall "$work/flowlog" query s3://bench/web $q --read-timeout "$timeout")"
		cp "$work/out" "$work/want"
		# shellcheck disable=SC2086
		faulty="$faulty $(FLOWLOG_ENDPOINT=$proxied wall "$work/flowlog" query s3://bench/web $q --read-timeout "$timeout" --stats)"
		cmp -s "$work/out" "$work/want" || { echo "MISMATCH: the fault run printed other bytes ($q)" >&2; exit 1; }
	done
	# shellcheck disable=SC2086
	c=$(median $clean) f=$(median $faulty)
	printf 'query s3://bench/web %s\n  fault-free %ss, with faults %ss: %sx (goal <= 2x; medians of %s runs, read timeout %s)\n' \
		"$q" "$c" "$f" "$(echo "scale=2; $f / $c" | bc)" "$runs" "$timeout"
done
grep -o 'retries: [0-9,]*  resumed: .*' "$work/stats" | tail -1 | sed 's/^/  last fault run: /'
kill "$proxy_pid" && wait "$proxy_pid" 2>/dev/null || true
proxy_pid=""
cat "$work/proxy.log"
