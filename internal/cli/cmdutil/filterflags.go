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
	fl.StringSliceVar(&spec.Actions, "action", nil, "keep records with this firewall `VERDICT`: ACCEPT or REJECT")
	fl.StringSliceVar(&spec.Statuses, "status", nil, "keep records with this log `STATUS`: OK, NODATA or SKIPDATA")
	fl.StringSliceVar(&spec.Srcs, "src", nil, "source `IP|CIDR` (IPv4 or IPv6)")
	fl.StringSliceVar(&spec.Dsts, "dst", nil, "destination `IP|CIDR`")
	fl.StringSliceVar(&spec.Addrs, "addr", nil, "source or destination `IP|CIDR`")
	fl.StringSliceVar(&spec.SrcPorts, "src-port", nil, "source `PORTS`: 22,80,8000-8999")
	fl.StringSliceVar(&spec.DstPorts, "dst-port", nil, "destination `PORTS`")
	fl.StringSliceVar(&spec.Ports, "port", nil, "source or destination `PORTS`")
	fl.StringSliceVar(&spec.Protocols, "protocol", nil, "`PROTOCOL`: tcp, udp, icmp, icmpv6 or a number")
	fl.StringSliceVar(&spec.Interfaces, "interface", nil, "interface `ID`")
	fl.StringSliceVar(&spec.Accounts, "account", nil, "account `ID`")
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
