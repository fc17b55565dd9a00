#!/usr/bin/env bash
# A walk through flowlog on the embedded default: no account, no server.
# It builds flowlog, makes a bucket, creates a flow log writing into it,
# simulates a day of its traffic into the bucket, and asks that traffic
# questions — with the same lines you will type against a real bucket.
# With no object storage configured, buckets are folders.
#
#   examples/walkthrough.sh [WORKDIR]     (default ./flowlog-demo)
#
# Everything it writes stays in WORKDIR: the configuration database
# (FLOWLOG_DB) and the buckets (FLOWLOG_STORAGE_ROOT), so your own flow logs
# and buckets are not touched.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="/usr/local/go/bin:$PATH"

work="$(mkdir -p "${1:-flowlog-demo}" && cd "${1:-flowlog-demo}" && pwd)"
export FLOWLOG_DB="$work/flowlog.db"
export FLOWLOG_STORAGE_ROOT="$work/buckets"

# step shows a command, quoted so it can be pasted, then runs it.
step() {
	local shown="" a
	for a in "$@"; do
		case "$a" in
		*[!A-Za-z0-9_./:=,@%+-]*) shown+=" '${a//\'/\'\\\'\'}'" ;;
		*) shown+=" $a" ;;
		esac
	done
	if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then
		printf '\n\033[1m$%s\033[0m\n' "$shown" >&2
	else
		printf '\n$%s\n' "$shown" >&2
	fi
	"$@"
}

(cd "$here" && go build -o "$work/flowlog" ./cmd/flowlog)
flowlog() { "$work/flowlog" "$@"; }
rm -rf "$FLOWLOG_STORAGE_ROOT" "$FLOWLOG_DB"

nic=7ffd6527-ce80-4e57-a949-f9a45824ebe2
step flowlog bucket create demo-logs
step flowlog create --nic "$nic" --name webserver01 --bucket demo-logs/flowlogs --direction ingress
step flowlog list

# The service refuses a second flow log for the same NIC, and changes in place.
step flowlog create --nic "$nic" --bucket demo-logs || echo "(exit $?: refused, as the service would)" >&2
step flowlog update webserver01 --direction egress || echo "(exit $?: refused; use 'flowlog replace')" >&2

# A day of traffic, written into the flow log's bucket as the service would.
step flowlog simulate --flowlog webserver01 --from 2026-11-24T00:00:00Z --duration 24h --seed 7
step ls "$FLOWLOG_STORAGE_ROOT/demo-logs/flowlogs" | sed -n 1,3p # sed reads on: no SIGPIPE under pipefail

# With no SOURCE, a query reads every configured flow log.
step flowlog query --action REJECT --count </dev/null # nothing piped in: not a query of standard input
step flowlog query --flowlog webserver01 --action REJECT --group-by dstport --top 5 -o table
step flowlog query s3://demo-logs/flowlogs --group-by srcaddr --top 5 --sort bytes -o table
step flowlog query --flowlog webserver01 --where 'dst port in (22, 3389) and not src net 10.0.0.0/8' --limit 3 -o table
step flowlog query --flowlog webserver01 --status NODATA --status SKIPDATA --count
step flowlog bucket check demo-logs
printf '\nDone. The bucket is the folder %s. Try: %s query --help\n' "$FLOWLOG_STORAGE_ROOT/demo-logs" "$work/flowlog" >&2
