#!/usr/bin/env bash
# Benchmarks flowlog against the decompression floor and the Unix pipeline a
# user would otherwise write, on one generated corpus, in one run.
#
#   scripts/bench.sh [CORPUS_DIR]
#
# It then serves the same corpus from a local MinIO (scripts/install-minio.sh)
# and times the count query on the bucket against the local folder.
#
# Environment: HOURS (default 24) and RECORDS_PER_OBJECT (default 20000) size
# the corpus (24h of 10-minute objects = 144 windows, about 2.8 million
# records); RUNS (default 9) is how often each command is timed (the median
# is reported).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

corpus="${1:-bench/corpus}"
hours="${HOURS:-24}"
per_object="${RECORDS_PER_OBJECT:-20000}"
runs="${RUNS:-9}"
bin="$(mktemp -d)"
minio_pid=""
cleanup() {
	[ -n "$minio_pid" ] && kill "$minio_pid" 2>/dev/null
	rm -rf "$bin"
}
trap cleanup EXIT

go build -o "$bin/flowlog" ./cmd/flowlog
go build -o "$bin/gunzip-floor" ./scripts/gunzip-floor

simulate=(simulate --name bench --from 2026-11-01T00:00:00Z --duration "${hours}h" --records-per-object "$per_object" --seed 42)
if [ ! -f "$corpus/.complete-$hours-$per_object" ]; then
	rm -rf "$corpus"
	"$bin/flowlog" "${simulate[@]}" --out "$corpus"
	touch "$corpus/.complete-$hours-$per_object"
fi
mapfile -t files < <(find "$corpus" -name '*.log.gz' | sort)
records="$("$bin/flowlog" query "$corpus" --count)"
size="$(du -sh "$corpus" | cut -f1)"
echo "corpus: ${#files[@]} objects, $records records, $size compressed, $(nproc) cores"
echo

# wall CMD...: the wall time of one run of CMD, in seconds.
wall() {
	local start end
	start=$(date +%s.%N)
	"$@" >/dev/null
	end=$(date +%s.%N)
	echo "$end - $start" | bc -l
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'; }

zcat_grep() { zcat "${files[@]}" | grep -c ' REJECT '; }

# Check the answers agree before timing anything.
want="$(zcat_grep)"
got="$("$bin/flowlog" query "$corpus" --action REJECT --count)"
if [ "$want" != "$got" ]; then
	echo "MISMATCH: zcat | grep -c counted $want rejects, flowlog $got" >&2
	exit 1
fi
echo "rejects: $got (flowlog and zcat | grep agree)"
echo

# The four commands take turns, one run each a round, so a machine that
# slows down or speeds up during the benchmark (a shared VM does) weighs on
# all of them alike rather than on whichever ran at the time.
floor_cmd=("$bin/gunzip-floor" "${files[@]}")
count_cmd=("$bin/flowlog" query "$corpus" --action REJECT --count)
group_cmd=("$bin/flowlog" query "$corpus" --group-by srcaddr --top 10 --sort bytes)
floors=() counts=() groups=() zgreps=()
for round in $(seq 0 "$runs"); do
	f=$(wall "${floor_cmd[@]}")
	c=$(wall "${count_cmd[@]}")
	g=$(wall "${group_cmd[@]}")
	z=$(wall zcat_grep)
	if [ "$round" -gt 0 ]; then # round 0 warms the page cache
		floors+=("$f") counts+=("$c") groups+=("$g") zgreps+=("$z")
	fi
done
floor=$(median "${floors[@]}")
count=$(median "${counts[@]}")
group=$(median "${groups[@]}")
zgrep=$(median "${zgreps[@]}")

ratio() { echo "$1 / $2" | bc -l | awk '{printf "%.2f", $1}'; }
printf '%-58s %8s  %s\n' "command (median of $runs)" "seconds" "vs floor"
printf '%-58s %8s  %s\n' "gunzip floor (klauspost gzip, all cores, discard)" "$floor" "1.00x"
printf '%-58s %8s  %sx\n' "flowlog query DIR --action REJECT --count" "$count" "$(ratio "$count" "$floor")"
printf '%-58s %8s  %sx\n' "flowlog query DIR --group-by srcaddr --top 10 --sort bytes" "$group" "$(ratio "$group" "$floor")"
printf '%-58s %8s  %sx\n' "zcat FILES | grep -c ' REJECT '" "$zgrep" "$(ratio "$zgrep" "$floor")"
echo
echo "count query vs zcat | grep: $(ratio "$zgrep" "$count")x faster (target >= 2x)"
echo "count query vs floor:      $(ratio "$count" "$floor")x (target <= 1.3x)"
echo "group-by vs floor:         $(ratio "$group" "$floor")x (target <= 1.5x)"

if [ -x /usr/bin/time ]; then
	echo
	for q in "--action REJECT -o ndjson" "-o raw" "--group-by srcaddr --top 10"; do
		# shellcheck disable=SC2086
		rss=$( { /usr/bin/time -f '%M' "$bin/flowlog" query "$corpus" $q >/dev/null; } 2>&1 | tail -1)
		printf 'peak memory of flowlog query DIR %-28s %6d MiB\n' "$q:" "$((rss / 1024))"
	done
	echo "(target: a non-aggregating query under 64 MiB, whatever the corpus size)"
fi

echo
echo "== the same corpus in a bucket on a local MinIO"
minio="$(scripts/install-minio.sh)"
data="$bin/minio-data"
mkdir -p "$data/bench" # a folder in a fresh data dir is a bucket
port=$((20000 + RANDOM % 20000))
MINIO_ROOT_USER=flowlog-bench MINIO_ROOT_PASSWORD=flowlog-bench-secret \
	"$minio" server "$data" --address "127.0.0.1:$port" --console-address "127.0.0.1:$((port + 1))" >"$bin/minio.log" 2>&1 &
minio_pid=$!
export FLOWLOG_ENDPOINT="http://127.0.0.1:$port" FLOWLOG_REGION=us-east-1
export AWS_ACCESS_KEY_ID=flowlog-bench AWS_SECRET_ACCESS_KEY=flowlog-bench-secret
for _ in $(seq 100); do
	"$bin/flowlog" query s3://bench --count >/dev/null 2>&1 && break
	sleep 0.2
done
# simulate is deterministic: the same command writes the same objects.
"$bin/flowlog" "${simulate[@]}" --bucket bench
s3got="$("$bin/flowlog" query s3://bench --action REJECT --count)"
if [ "$s3got" != "$got" ]; then
	echo "MISMATCH: the bucket counted $s3got rejects, the folder $got" >&2
	exit 1
fi
echo "rejects in the bucket: $s3got (same as the folder)"
# In turns again, as above.
locals=() buckets=()
for round in $(seq 0 "$runs"); do
	l=$(wall "$bin/flowlog" query "$corpus" --action REJECT --count)
	b=$(wall "$bin/flowlog" query s3://bench --action REJECT --count)
	if [ "$round" -gt 0 ]; then
		locals+=("$l") buckets+=("$b")
	fi
done
local_count=$(median "${locals[@]}")
s3_count=$(median "${buckets[@]}")
printf '%-58s %8s\n' "flowlog query DIR --action REJECT --count" "$local_count"
printf '%-58s %8s\n' "flowlog query s3://bench --action REJECT --count" "$s3_count"
echo "bucket vs folder: $(ratio "$s3_count" "$local_count")x (target <= 1.5x)"
if [ -x /usr/bin/time ]; then
	rss=$( { /usr/bin/time -f '%M' "$bin/flowlog" query s3://bench --action REJECT -o ndjson >/dev/null; } 2>&1 | tail -1)
	printf 'peak memory of flowlog query s3://bench --action REJECT -o ndjson: %d MiB\n' "$((rss / 1024))"
fi
