#!/usr/bin/env bash
# Benchmarks flowlog against the decompression floor, the Unix pipeline a
# user would otherwise write and DuckDB, on generated corpora, in one run.
#
#   scripts/bench.sh [CORPORA_DIR]
#
# Three corpora, made with flowlog simulate under CORPORA_DIR (default
# bench/corpus) and kept for the next run:
#   default   the default traffic: a server with a few hundred busy peers
#   internet  --traffic internet: scanners and clients from everywhere,
#             about as many groups of addresses as records
#   small     many small objects, as a quiet flow log writes them
# On each, the commands below take turns (one run each a round), so a
# machine whose speed drifts weighs on all of them alike:
#   the floor: klauspost gzip decompressing the files on every core
#   flowlog query DIR --action REJECT --count
#   flowlog query DIR --group-by srcaddr --top 10 --sort bytes
#   flowlog query DIR --group-by srcaddr,dstaddr --top 10 --sort bytes
#   zcat FILES | grep -c ' REJECT '
#   DuckDB (@duckdb/node-api, installed with npm into ~/.cache/flowlog/duckdb)
#   answering the same three questions with read_csv on the same files and
#   the same number of threads
# Before timing, it checks that the answers agree: the reject counts of all
# three, and the top-10 rows of both group-bys of flowlog and DuckDB. Then
# the peak memory of each query, once, and on the internet corpus that of
# the pair group-by under a --memory budget far below its need. Last, it
# serves the default and small corpora from a local MinIO (scripts/install-minio.sh) and times the
# count query on the bucket against the folder; and through a proxy that
# delays every request by DELAY (30ms), as a bucket far away does, a count
# and a fetch of the small corpus with default flags beside
# `aws s3 cp --recursive` of the same objects (the AWS CLI on the PATH,
# or Debian's awscli, installed when run as root).
#
# Environment: HOURS (default 24) and RECORDS_PER_OBJECT (default 20000)
# size the default and internet corpora (144 objects, about 2.9 million
# records each); SMALL_HOURS (360) and SMALL_RECORDS (100) the small one
# (about 2,100 objects); RUNS (9) is how often each command is timed (the
# median is reported); THREADS (the number of CPUs) is GOMAXPROCS of
# flowlog and the floor and DuckDB's threads. DUCKDB=0 or MINIO=0 leaves
# that part out; LOCAL=0 leaves out the corpora in folders, PARQUET=0 the
# Parquet export (LOCAL=0 MINIO=0 DUCKDB=0 runs only the Parquet part).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH" AWS_EC2_METADATA_DISABLED=true

corpora="${1:-bench/corpus}"
hours="${HOURS:-24}"
per_object="${RECORDS_PER_OBJECT:-20000}"
small_hours="${SMALL_HOURS:-360}"
small_records="${SMALL_RECORDS:-100}"
runs="${RUNS:-9}"
threads="${THREADS:-$(nproc)}"
use_duckdb="${DUCKDB:-1}"
use_minio="${MINIO:-1}"
export GOMAXPROCS="$threads"

work="$(mktemp -d)"
minio_pid="" proxy_pid=""
cleanup() {
	if [ -n "$proxy_pid" ]; then
		kill "$proxy_pid" 2>/dev/null || true
		wait "$proxy_pid" 2>/dev/null || true
	fi
	if [ -n "$minio_pid" ]; then
		kill "$minio_pid" 2>/dev/null || true
		wait "$minio_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# flowlog is built as the release builds it (.goreleaser.yaml): static, no
# cgo, stripped. A default build links libc dynamically when a C compiler
# is around, and every run of it pays the dynamic loader.
CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$work/flowlog" ./cmd/flowlog
go build -o "$work/gunzip-floor" ./scripts/gunzip-floor
go build -o "$work/faultproxy" ./internal/objstore/miniotest/faultproxy
flowlog="$work/flowlog"

if [ "$use_duckdb" = 1 ]; then
	duckdb_dir="$(scripts/install-duckdb.sh)"
	# Node resolves packages from the script's folder, so the script runs
	# from beside node_modules.
	cp scripts/duckdb/query.mjs "$duckdb_dir/"
fi

# simulate_args NAME: the simulate flags of a corpus.
simulate_args() {
	local common=(--name bench --from 2026-11-01T00:00:00Z --seed 42)
	case "$1" in
	default) echo "${common[@]}" --duration "${hours}h" --records-per-object "$per_object" ;;
	internet) echo "${common[@]}" --duration "${hours}h" --records-per-object "$per_object" --traffic internet ;;
	small) echo "${common[@]}" --duration "${small_hours}h" --records-per-object "$small_records" ;;
	esac
}

# make_corpus NAME: writes the corpus unless the same flags wrote it before.
make_corpus() {
	local dir="$corpora/$1" args
	args="$(simulate_args "$1")"
	if [ "$(cat "$dir/.complete" 2>/dev/null)" != "$args" ]; then
		rm -rf "$dir"
		# shellcheck disable=SC2086
		"$flowlog" simulate $args --out "$dir"
		echo "$args" >"$dir/.complete"
	fi
}

# wall CMD...: the wall time of one run of CMD, in seconds; its stderr goes
# to $work/stderr.
wall() {
	local start end
	start=$(date +%s.%N)
	"$@" >/dev/null 2>"$work/stderr"
	end=$(date +%s.%N)
	echo "$end - $start" | bc -l
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}'; }
ratio() { echo "$1 / $2" | bc -l | awk '{printf "%.2f", $1}'; }
# peak CMD...: the peak resident memory of CMD, in MiB.
peak() {
	/usr/bin/time -f '%M' -o "$work/peak" "$@" >/dev/null 2>/dev/null
	echo $(($(tail -1 "$work/peak") / 1024))
}

# duckdb [PEAK] QUESTION DIR: DuckDB's answer (scripts/duckdb/query.mjs);
# it writes the seconds of its query, without node's start and the
# library's load, to stderr. PEAK runs it under 'peak'.
duckdb() {
	local run=()
	if [ "$1" = peak ]; then
		run=(peak)
		shift
	fi
	local abs
	abs="$(cd "$2" && pwd)"
	(cd "$duckdb_dir" && "${run[@]}" node query.mjs "$threads" "$1" "$abs/*.log.gz")
}
# duckdb_seconds: the query time the last DuckDB run wrote to $work/stderr.
duckdb_seconds() { awk '/s in the query/ {print $(NF-4)}' "$work/stderr"; }

row() { printf '%-68s %8s  %s\n' "$@"; }

# bench NAME: checks the answers on a corpus and times the commands.
bench() {
	local name="$1" dir="$corpora/$1"
	local files
	mapfile -t files < <(find "$dir" -name '*.log.gz' | sort)
	local records size
	records="$("$flowlog" query "$dir" --count)"
	size="$(du -sh "$dir" | cut -f1)"
	echo
	echo "== $name: ${#files[@]} objects, $records records, $size compressed ($(simulate_args "$name"))"

	zcat_grep() { zcat "${files[@]}" | grep -c ' REJECT '; }
	local floor_cmd=("$work/gunzip-floor" "${files[@]}")
	local count_cmd=("$flowlog" query "$dir" --action REJECT --count)
	local src_cmd=("$flowlog" query "$dir" --group-by srcaddr --top 10 --sort bytes)
	local pair_cmd=("$flowlog" query "$dir" --group-by srcaddr,dstaddr --top 10 --sort bytes)

	# The answers first: a fast wrong answer is no answer.
	local want got
	want="$(zcat_grep)"
	got="$("${count_cmd[@]}")"
	if [ "$want" != "$got" ]; then
		echo "MISMATCH: zcat | grep -c counted $want rejects, flowlog $got" >&2
		exit 1
	fi
	local agree="rejects: $got (flowlog and zcat | grep agree"
	local src_groups="" pair_groups=""
	if [ "$use_duckdb" = 1 ]; then
		local duck
		duck="$(duckdb reject-count "$dir" 2>/dev/null)"
		if [ "$duck" != "$got" ]; then
			echo "MISMATCH: DuckDB counted $duck rejects, flowlog $got" >&2
			exit 1
		fi
		for q in src pair; do
			local by=srcaddr
			[ "$q" = pair ] && by=srcaddr,dstaddr
			"$flowlog" query "$dir" --group-by "$by" --top 10 --sort bytes -o csv >"$work/flowlog-$q.csv"
			duckdb "top-$q" "$dir" >"$work/duckdb-$q.csv" 2>/dev/null
			if ! cmp -s "$work/flowlog-$q.csv" "$work/duckdb-$q.csv"; then
				echo "MISMATCH: the top 10 of --group-by $by differ (flowlog <, DuckDB >):" >&2
				diff "$work/flowlog-$q.csv" "$work/duckdb-$q.csv" >&2 || true
				exit 1
			fi
		done
		read -r src_groups pair_groups < <(duckdb groups "$dir" 2>/dev/null)
		agree="$agree with DuckDB; so do the top 10 rows of both group-bys"
		echo "groups: $src_groups of srcaddr, $pair_groups of srcaddr,dstaddr"
	fi
	echo "$agree)"

	local floors=() counts=() srcs=() pairs=() zgreps=()
	local dcounts=() dsrcs=() dpairs=() dcount_procs=() dsrc_procs=() dpair_procs=()
	local f c s p z
	for round in $(seq 0 "$runs"); do
		f=$(wall "${floor_cmd[@]}")
		c=$(wall "${count_cmd[@]}")
		s=$(wall "${src_cmd[@]}")
		p=$(wall "${pair_cmd[@]}")
		z=$(wall zcat_grep)
		if [ "$round" -gt 0 ]; then # round 0 warms the page cache
			floors+=("$f") counts+=("$c") srcs+=("$s") pairs+=("$p") zgreps+=("$z")
		fi
		if [ "$use_duckdb" = 1 ]; then
			c=$(wall duckdb reject-count "$dir")
			local cq
			cq=$(duckdb_seconds)
			s=$(wall duckdb top-src "$dir")
			local sq
			sq=$(duckdb_seconds)
			p=$(wall duckdb top-pair "$dir")
			if [ "$round" -gt 0 ]; then
				dcount_procs+=("$c") dcounts+=("$cq")
				dsrc_procs+=("$s") dsrcs+=("$sq")
				dpair_procs+=("$p") dpairs+=("$(duckdb_seconds)")
			fi
		fi
	done
	local floor count src pair zgrep
	floor=$(median "${floors[@]}")
	count=$(median "${counts[@]}")
	src=$(median "${srcs[@]}")
	pair=$(median "${pairs[@]}")
	zgrep=$(median "${zgreps[@]}")

	echo
	row "command (median of $runs, $threads threads)" "seconds" "vs floor"
	row "gunzip floor (klauspost gzip, all threads, discard)" "$floor" "1.00x"
	row "flowlog query DIR --action REJECT --count" "$count" "$(ratio "$count" "$floor")x"
	row "flowlog query DIR --group-by srcaddr --top 10 --sort bytes" "$src" "$(ratio "$src" "$floor")x"
	row "flowlog query DIR --group-by srcaddr,dstaddr --top 10 --sort bytes" "$pair" "$(ratio "$pair" "$floor")x"
	row "zcat FILES | grep -c ' REJECT '" "$zgrep" "$(ratio "$zgrep" "$floor")x"
	local dcount dsrc dpair
	if [ "$use_duckdb" = 1 ]; then
		dcount=$(median "${dcounts[@]}") dsrc=$(median "${dsrcs[@]}") dpair=$(median "${dpairs[@]}")
		row "DuckDB count(*) WHERE action = 'REJECT'" "$dcount" "$(ratio "$dcount" "$floor")x"
		row "DuckDB GROUP BY srcaddr ORDER BY sum(bytes) DESC LIMIT 10" "$dsrc" "$(ratio "$dsrc" "$floor")x"
		row "DuckDB GROUP BY srcaddr, dstaddr ORDER BY sum(bytes) DESC LIMIT 10" "$dpair" "$(ratio "$dpair" "$floor")x"
		echo "(DuckDB is timed from opening its database to the last row; its processes, with node's"
		echo " start and the library's load, took $(median "${dcount_procs[@]}"), $(median "${dsrc_procs[@]}") and $(median "${dpair_procs[@]}") s)"
	fi
	echo
	echo "count vs floor:     $(ratio "$count" "$floor")x (target <= 1.3x); $(ratio "$zgrep" "$count")x faster than zcat | grep (target >= 2x)"
	case "$name" in
	default) echo "srcaddr vs floor:   $(ratio "$src" "$floor")x (target <= 1.5x)" ;;
	internet)
		echo "srcaddr vs floor:   $(ratio "$src" "$floor")x (target <= 1.6x)"
		echo "pair vs floor:      $(ratio "$pair" "$floor")x (target <= 2.5x)"
		;;
	esac
	if [ "$use_duckdb" = 1 ]; then
		# DuckDB's own query time, not its process's: the comparison leans
		# towards DuckDB rather than against it.
		echo "DuckDB's time / flowlog's (above 1: flowlog is faster; target >= 1.5x):"
		echo "  count $(ratio "$dcount" "$count")x, srcaddr $(ratio "$dsrc" "$src")x, srcaddr,dstaddr $(ratio "$dpair" "$pair")x"
	fi

	echo
	local m
	for q in "--action REJECT --count" "--action REJECT -o ndjson" "--group-by srcaddr --top 10 --sort bytes" \
		"--group-by srcaddr,dstaddr --top 10 --sort bytes"; do
		# shellcheck disable=SC2086
		m=$(peak "$flowlog" query "$dir" $q)
		local note=""
		case "$q" in
		*srcaddr,dstaddr*) [ -n "$pair_groups" ] && note="$(per_group "$m" "$pair_groups")" ;;
		*srcaddr*) [ -n "$src_groups" ] && note="$(per_group "$m" "$src_groups")" ;;
		esac
		printf 'peak memory of flowlog query DIR %-48s %6d MiB%s\n' "$q:" "$m" "$note"
	done
	if [ "$name" = internet ]; then
		# Under a budget far below what the pair group-by needs, the
		# groups spill to temporary files: the same answer, in bounded
		# memory.
		local budget=64 want got
		want=$("$flowlog" query "$dir" --group-by srcaddr,dstaddr --top 10 --sort bytes -o csv)
		got=$("$flowlog" query "$dir" --group-by srcaddr,dstaddr --top 10 --sort bytes -o csv --memory "${budget}MiB")
		if [ "$want" != "$got" ]; then
			echo "MISMATCH: the pair group-by under --memory ${budget}MiB differs from the unbounded one" >&2
			exit 1
		fi
		/usr/bin/time -f '%e %M' -o "$work/budget" "$flowlog" query "$dir" --group-by srcaddr,dstaddr --top 10 --sort bytes \
			--memory "${budget}MiB" --stats 2>"$work/budget.stats" >/dev/null
		read -r secs kb <"$work/budget"
		printf 'peak memory of flowlog query DIR %-48s %6d MiB (target <= budget + 64 = %d MiB; %ss; %s)\n' \
			"--group-by srcaddr,dstaddr --memory ${budget}MiB:" $((kb / 1024)) $((budget + 64)) "$secs" \
			"$(grep -o 'spilled .*' "$work/budget.stats" || echo 'nothing spilled')"
	fi
	if [ "$use_duckdb" = 1 ]; then
		for q in reject-count top-src top-pair; do
			printf 'peak memory of DuckDB %-58s %6d MiB\n' "$q (node included):" "$(duckdb peak "$q" "$dir")"
		done
	fi
}

# per_group MIB GROUPS: bytes a group above the 40 MiB base, when there
# are enough groups for the base not to swamp them.
per_group() {
	[ "$2" -ge 100000 ] || return 0
	echo "  ($2 groups: $((($1 - 40) * 1024 * 1024 / $2)) bytes a group above 40 MiB; target <= 96)"
}

for c in default internet small; do
	# PARQUET alone needs only the default corpus.
	[ "$c" = default ] || [ "${LOCAL:-1}" = 1 ] || [ "$use_minio" = 1 ] || continue
	make_corpus "$c"
done
echo "$(nproc) CPUs, $threads threads; $(go version | cut -d' ' -f3)$([ "$use_duckdb" = 1 ] && echo ", DuckDB $(cd "$duckdb_dir" && node -p 'require("./node_modules/@duckdb/node-api/package.json").version')")"
if [ "${LOCAL:-1}" = 1 ]; then
	for c in default internet small; do
		bench "$c"
	done
fi

# bench_parquet: the default corpus exported to Parquet (flowlog export),
# and a time-window count and a verdict count on the export against the
# same queries on the gzip text, in turns; the answers must agree.
bench_parquet() {
	local dir="$corpora/default" lake="$work/lake"
	echo
	echo "== the default corpus exported to Parquet"
	local start end
	start=$(date +%s.%N)
	"$flowlog" export "$dir" --to "$lake" 2>"$work/export.log"
	end=$(date +%s.%N)
	echo "export: $(cat "$work/export.log") in $(echo "$end - $start" | bc -l | awk '{printf "%.1f", $1}') s"
	echo "gzip text $(du -sh "$dir" | cut -f1), Parquet $(du -sh "$lake" | cut -f1)"
	rm -rf "$work/lake2"
	echo "peak memory of flowlog export DIR --to LAKE: $(peak "$flowlog" export "$dir" --to "$work/lake2") MiB"
	rm -rf "$work/lake2"

	local window=(--since 2026-11-01T06:00:00Z --until 2026-11-01T11:59:59Z --count)
	local verdict=(--action REJECT --count)
	local q want got
	for q in window verdict; do
		local check=("${window[@]}")
		[ "$q" = verdict ] && check=("${verdict[@]}")
		want="$("$flowlog" query "$dir" "${check[@]}")"
		got="$("$flowlog" query "$lake" "${check[@]}")"
		if [ "$want" != "$got" ]; then
			echo "MISMATCH: $q count: $want on the gzip text, $got on the Parquet" >&2
			exit 1
		fi
		echo "$q count: $got on both"
	done
	# Wall time, and CPU time (user + system) beside it: on a machine
	# shared with other work, wall times of short runs are mostly waiting.
	local gw=() pw=() gv=() pv=() gwc=() pwc=() gvc=() pvc=()
	local TIMEFORMAT='%3R %3U %3S'
	for round in $(seq 0 "$runs"); do
		for q in gw pw gv pv; do
			local src="$dir" args=("${window[@]}")
			case "$q" in p*) src="$lake" ;; esac
			case "$q" in *v) args=("${verdict[@]}") ;; esac
			# bash's time, to the millisecond: a Parquet run takes tens
			# of them, and /usr/bin/time rounds to ten.
			{ time "$flowlog" query "$src" "${args[@]}" >/dev/null 2>&1; } 2>"$work/time"
			if [ "$round" -gt 0 ]; then
				eval "$q+=(\"\$(awk '{print \$1}' \"\$work/time\")\")"
				eval "${q}c+=(\"\$(awk '{print \$2 + \$3}' \"\$work/time\")\")"
			fi
		done
	done
	local gwm pwm gvm pvm gwcm pwcm gvcm pvcm
	gwm=$(median "${gw[@]}") pwm=$(median "${pw[@]}") gvm=$(median "${gv[@]}") pvm=$(median "${pv[@]}")
	gwcm=$(median "${gwc[@]}") pwcm=$(median "${pwc[@]}") gvcm=$(median "${gvc[@]}") pvcm=$(median "${pvc[@]}")
	row "command (median of $runs)" "seconds" "CPU seconds"
	row "flowlog query DIR ${window[*]}" "$gwm" "$gwcm"
	row "flowlog query LAKE ${window[*]}" "$pwm" "$pwcm"
	row "flowlog query DIR ${verdict[*]}" "$gvm" "$gvcm"
	row "flowlog query LAKE ${verdict[*]}" "$pvm" "$pvcm"
	echo "Parquet vs gzip text, wall: window count $(ratio "$gwm" "$pwm")x faster, verdict count $(ratio "$gvm" "$pvm")x faster (target >= 5x)"
	echo "Parquet vs gzip text, CPU:  window count $(ratio "$gwcm" "$pwcm")x less, verdict count $(ratio "$gvcm" "$pvcm")x less"
}
if [ "${PARQUET:-1}" = 1 ]; then
	bench_parquet
fi

[ "$use_minio" = 1 ] || exit 0
echo
echo "== the default and small corpora in buckets on a local MinIO"
minio="$(scripts/install-minio.sh)"
data="$work/minio-data"
mkdir -p "$data/bench" "$data/bench-small" "$data/bench-lake" # a folder in a fresh data dir is a bucket
port=$((20000 + RANDOM % 20000))
MINIO_ROOT_USER=flowlog-bench MINIO_ROOT_PASSWORD=flowlog-bench-secret \
	"$minio" server "$data" --address "127.0.0.1:$port" --console-address "127.0.0.1:$((port + 1))" >"$work/minio.log" 2>&1 &
minio_pid=$!
export FLOWLOG_ENDPOINT="http://127.0.0.1:$port" FLOWLOG_REGION=us-east-1
export AWS_ACCESS_KEY_ID=flowlog-bench AWS_SECRET_ACCESS_KEY=flowlog-bench-secret
for _ in $(seq 100); do
	"$flowlog" query s3://bench --count >/dev/null 2>&1 && break
	sleep 0.2
done
for c in default small; do
	bucket=bench
	[ "$c" = small ] && bucket=bench-small
	# simulate is deterministic: the same flags write the same objects.
	# shellcheck disable=SC2046
	"$flowlog" simulate $(simulate_args "$c") --bucket "$bucket"
	want="$("$flowlog" query "$corpora/$c" --action REJECT --count)"
	got="$("$flowlog" query "s3://$bucket" --action REJECT --count)"
	if [ "$got" != "$want" ]; then
		echo "MISMATCH: the bucket counted $got rejects, the folder $want" >&2
		exit 1
	fi
	echo "rejects in s3://$bucket: $got (same as the folder $corpora/$c)"
	# In turns again, as above.
	locals=() buckets=()
	for round in $(seq 0 "$runs"); do
		l=$(wall "$flowlog" query "$corpora/$c" --action REJECT --count)
		b=$(wall "$flowlog" query "s3://$bucket" --action REJECT --count)
		if [ "$round" -gt 0 ]; then
			locals+=("$l") buckets+=("$b")
		fi
	done
	local_count=$(median "${locals[@]}")
	s3_count=$(median "${buckets[@]}")
	row "flowlog query $corpora/$c --action REJECT --count" "$local_count" ""
	row "flowlog query s3://$bucket --action REJECT --count" "$s3_count" ""
	echo "bucket vs folder: $(ratio "$s3_count" "$local_count")x (target <= 1.5x on the default corpus)"
done
printf 'peak memory of flowlog query s3://bench --action REJECT -o ndjson: %d MiB\n' \
	"$(peak "$flowlog" query s3://bench --action REJECT -o ndjson)"

echo
echo "== the small corpus in a bucket ${DELAY:-30ms} away (a proxy delaying every request)"
"$work/faultproxy" -target "$FLOWLOG_ENDPOINT" -delay "${DELAY:-30ms}" >"$work/proxy.url" 2>"$work/proxy.log" &
proxy_pid=$!
for _ in $(seq 100); do [ -s "$work/proxy.url" ] && break; sleep 0.1; done
far="$(cat "$work/proxy.url")"
objects="$(find "$corpora/small" -name '*.log.gz' | wc -l)"
want_small="$("$flowlog" query "$corpora/small" --action REJECT --count)"
# The AWS CLI as users have it (aws-cli v1 or Debian's awscli v2), with its
# default of 10 requests at once: the yardstick for a download.
aws_cli=""
if command -v aws >/dev/null; then
	aws_cli=aws
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "installing Debian's awscli for the comparison" >&2
	(apt-get update -qq && apt-get install -y -qq awscli) >&2 && aws_cli=aws
fi
counts=() fetches=() copies=()
far_runs=$(((runs + 1) / 2))
for round in $(seq 1 "$far_runs"); do
	counts+=("$(FLOWLOG_ENDPOINT="$far" wall "$flowlog" query s3://bench-small --count)")
	got="$(FLOWLOG_ENDPOINT="$far" "$flowlog" query s3://bench-small --action REJECT --count)"
	if [ "$got" != "$want_small" ]; then
		echo "MISMATCH: the far bucket counted $got rejects, the folder $want_small" >&2
		exit 1
	fi
	rm -rf "$work/fetched"
	fetches+=("$(FLOWLOG_ENDPOINT="$far" wall "$flowlog" fetch s3://bench-small --to "$work/fetched")")
	fetched="$(find "$work/fetched" -name '*.log.gz' | wc -l)"
	if [ "$fetched" != "$objects" ]; then
		echo "MISMATCH: fetch wrote $fetched objects, the bucket holds $objects" >&2
		exit 1
	fi
	if [ -n "$aws_cli" ]; then
		rm -rf "$work/copied"
		copies+=("$(AWS_DEFAULT_REGION=us-east-1 wall "$aws_cli" s3 cp --recursive --only-show-errors --endpoint-url "$far" s3://bench-small "$work/copied")")
	fi
done
far_count=$(median "${counts[@]}")
far_fetch=$(median "${fetches[@]}")
row "flowlog query s3://bench-small --count ($objects objects, default flags)" "$far_count" ""
row "flowlog fetch s3://bench-small --to DIR (default flags)" "$far_fetch" ""
if [ ${#copies[@]} -gt 0 ]; then
	far_copy=$(median "${copies[@]}")
	row "$($aws_cli --version 2>&1 | cut -d' ' -f1) s3 cp --recursive s3://bench-small DIR" "$far_copy" ""
	echo "count vs aws s3 cp: $(ratio "$far_copy" "$far_count")x faster (target >= 5x); fetch vs aws s3 cp: $(ratio "$far_copy" "$far_fetch")x faster (target >= 3x)"
else
	echo "no AWS CLI here (and not root to install Debian's awscli): the comparison with aws s3 cp is left out"
fi

echo
echo "== the default corpus's Parquet export in the bucket ${DELAY:-30ms} away, against its gzip text there"
"$flowlog" export "$corpora/default" --to s3://bench-lake/lake 2>/dev/null
window=(--since 2026-11-01T06:00:00Z --until 2026-11-01T11:59:59Z --count)
for q in window verdict; do
	args=("${window[@]}")
	[ "$q" = verdict ] && args=(--action REJECT --count)
	want="$(FLOWLOG_ENDPOINT="$far" "$flowlog" query s3://bench "${args[@]}")"
	got="$(FLOWLOG_ENDPOINT="$far" "$flowlog" query s3://bench-lake/lake "${args[@]}" --stats 2>"$work/lake-stats")"
	if [ "$want" != "$got" ]; then
		echo "MISMATCH: $q count: $want on the gzip text, $got on the Parquet" >&2
		exit 1
	fi
	texts=() lakes=()
	for round in $(seq 1 "$far_runs"); do
		texts+=("$(FLOWLOG_ENDPOINT="$far" wall "$flowlog" query s3://bench "${args[@]}")")
		lakes+=("$(FLOWLOG_ENDPOINT="$far" wall "$flowlog" query s3://bench-lake/lake "${args[@]}")")
	done
	text_t=$(median "${texts[@]}") lake_t=$(median "${lakes[@]}")
	row "flowlog query s3://bench ${args[*]}" "$text_t" ""
	row "flowlog query s3://bench-lake/lake ${args[*]}" "$lake_t" "$(grep -o 'bytes: [^ ]* [^ ]*' "$work/lake-stats") read"
	echo "$q count, Parquet vs gzip text in the far bucket: $(ratio "$text_t" "$lake_t")x faster"
done
