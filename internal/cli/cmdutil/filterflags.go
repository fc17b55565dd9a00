package cmdutil

import (
	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/query"
)

// AddFilterFlags registers the flags that choose records — the same for
// every command that reads them (query, report) — into spec, with their
// completions. --since and --until are left to the command: they are
// strings until ParseWindow reads them.
func AddFilterFlags(cmd *cobra.Command, spec *query.Spec) {
	fl := cmd.Flags()
	ListVar(fl, &spec.Actions, "action", "keep records with this firewall `VERDICT`: ACCEPT or REJECT")
	ListVar(fl, &spec.Statuses, "status", "keep records with this log `STATUS`: OK, NODATA or SKIPDATA")
	ListVar(fl, &spec.Srcs, "src", "source `IP|CIDR` (IPv4 or IPv6)")
	ListVar(fl, &spec.Dsts, "dst", "destination `IP|CIDR`")
	ListVar(fl, &spec.Addrs, "addr", "source or destination `IP|CIDR`")
	ListVar(fl, &spec.SrcPorts, "src-port", "source `PORTS`: 22,80,8000-8999")
	ListVar(fl, &spec.DstPorts, "dst-port", "destination `PORTS`")
	ListVar(fl, &spec.Ports, "port", "source or destination `PORTS`")
	ListVar(fl, &spec.Protocols, "protocol", "`PROTOCOL`: tcp, udp, icmp, icmpv6 or a number")
	ListVar(fl, &spec.Interfaces, "interface", "interface `ID`")
	ListVar(fl, &spec.Accounts, "account", "account `ID`")
	fl.StringVar(&spec.Where, "where", "", "filter `EXPR`, e.g. 'proto tcp and dst port in (22, 3389) and bytes > 1M'")
	for flag, values := range map[string][]string{
		"action":   {"ACCEPT", "REJECT"},
		"status":   {"OK", "NODATA", "SKIPDATA"},
		"protocol": {"tcp", "udp", "icmp", "icmpv6"},
	} {
		if err := cmd.RegisterFlagCompletionFunc(flag, CompleteList(values...)); err != nil {
			panic(err)
		}
	}
}
