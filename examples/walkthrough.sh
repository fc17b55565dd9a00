#!/usr/bin/env bash
# A walk through flowlog on the embedded default: no account, no server.
# It builds flowlog, creates a flow log, simulates a day of its traffic into
# a local folder laid out like its bucket, and asks that traffic questions.
#
#   examples/walkthrough.sh [WORKDIR]     (default ./flowlog-demo)
#
# Everything it writes stays in WORKDIR, the configuration database included
# (FLOWLOG_DB), so your own flow logs are not touched.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
export PATH="/usr/local/go/bin:$PATH"

work="$(mkdir -p "${1:-flowlog-demo}" && cd "${1:-flowlog-demo}" && pwd)"
export FLOWLOG_DB="$work/flowlog.db"
bucket="$work/bucket"

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
rm -rf "$bucket" "$FLOWLOG_DB"

nic=7ffd6527-ce80-4e57-a949-f9a45824ebe2
step flowlog create --nic "$nic" --name webserver01 --bucket demo-logs/flowlogs --direction ingress
step flowlog list

# The service refuses a second flow log for the same NIC, and changes in place.
step flowlog create --nic "$nic" --bucket demo-logs || echo "(exit $?: refused, as the service would)" >&2
step flowlog update webserver01 --direction egress || echo "(exit $?: refused; use 'flowlog replace')" >&2

step flowlog simulate --flowlog webserver01 --out "$bucket" --from 2026-11-24T00:00:00Z --duration 24h --seed 7
step ls "$bucket/flowlogs" | sed -n 1,3p # sed reads on: no SIGPIPE under pipefail

step flowlog query "$bucket" --action REJECT --count
step flowlog query "$bucket" --action REJECT --group-by dstport --top 5 -o table
step flowlog query "$bucket" --group-by srcaddr --top 5 --sort bytes -o table
step flowlog query "$bucket" --where 'dst port in (22, 3389) and not src net 10.0.0.0/8' --limit 3 -o table
step flowlog query "$bucket" --status NODATA --status SKIPDATA --count
printf '\nDone. Try: %s query %s --help\n' "$work/flowlog" "$bucket" >&2
