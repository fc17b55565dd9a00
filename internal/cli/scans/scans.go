// Package scans is 'flowlog scans': the sources that touched many distinct
// destination ports or hosts.
package scans

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/scans"
	"github.com/flowlog/flowlog/internal/source"
)

// Options are the parsed flags and arguments of 'flowlog scans'.
type Options struct {
	Factory *cmdutil.Factory

	Sources      []string // SOURCE...
	FlowLogs     []string // --flowlog
	Since, Until string
	Where        string
	MMDB         []string
	Thresholds   scans.Options // --min-ports, --min-hosts, --top
	SkipInvalid  bool
	Jobs         int
}

// NewCmdScans builds the command; runF, when not nil, runs instead of
// scansRun.
func NewCmdScans(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f, Thresholds: scans.Defaults}
	cmd := &cobra.Command{
		Use:   "scans [SOURCE...]",
		Short: "List the sources that scan: many distinct ports or hosts",
		Long: fmt.Sprintf(`List the sources that touched at least --min-ports distinct destination
ports or at least --min-hosts distinct destination hosts in the records read
(SOURCE... and --flowlog as for query, within --since/--until), with how many
flows they sent, the share the firewall rejected, when they were first and
last seen, and the destination ports they touched most.

The records are read once, in bounded memory: a small fixed state per source
(about 250 bytes), for at most --max-sources sources a worker; when that is
full, the sources that touched the fewest targets so far are forgotten (most
sources on the internet show up once; a scanner soon touches more). Distinct
counts are exact up to %d and HyperLogLog estimates above that, with a
relative standard error of %.2f%% (within %.0f%% in 99.7%% of counts); the
ports touched most are counted exactly for a source that touched at most 5
ports, and are upper bounds otherwise. A record from a port below 32768 to
one of 32768 or above (the ephemeral ports of Linux and Windows) is a service
replying, not a probe: it is left out.

Output (-o): a table on a terminal, or json, ndjson and csv; the columns are
source, ports, hosts, flows, rejects, reject_pct, first_seen, last_seen and
top_ports (PORT:FLOWS, most first).`, scans.ExactUpTo, 100*scans.StdError, 300*scans.StdError),
		Example: `  flowlog scans ./logs --since 24h
  flowlog scans ./logs --min-ports 100 --min-hosts 0 -o json | jq -r '.[].source'
  flowlog scans --flowlog web --where 'not src net 10.0.0.0/8' --top 20`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sources = args
			if opts.Thresholds.MinPorts == 0 && opts.Thresholds.MinHosts == 0 {
				return cmdutil.UsageErrorf("--min-ports and --min-hosts are both 0: every source would be a scanner")
			}
			if opts.Thresholds.Top < 0 || opts.Jobs < 0 {
				return cmdutil.UsageErrorf("--top and --jobs take a number of zero or more")
			}
			if runF != nil {
				return runF(opts)
			}
			return scansRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.Uint64Var(&opts.Thresholds.MinPorts, "min-ports", scans.Defaults.MinPorts, "a scanner touched at least `N` distinct destination ports (0: no port threshold)")
	fl.Uint64Var(&opts.Thresholds.MinHosts, "min-hosts", scans.Defaults.MinHosts, "a scanner touched at least `N` distinct destination hosts (0: no host threshold)")
	fl.IntVar(&opts.Thresholds.MaxSources, "max-sources", scans.DefaultMaxSources, "keep at most `N` sources at once a worker; beyond it, those that touched the fewest targets are forgotten")
	fl.IntVar(&opts.Thresholds.Top, "top", 0, "list the `N` scanners with the most ports (default all)")
	fl.StringVar(&opts.Since, "since", "", "records ending at or after `TIME`: RFC 3339, unix seconds, or a duration back (90m, 6h, 7d)")
	fl.StringVar(&opts.Until, "until", "", "records starting at or before `TIME`")
	fl.StringVar(&opts.Where, "where", "", "read only records matching `EXPR` (see 'flowlog help query-language')")
	cmdutil.RepeatedVar(fl, &opts.FlowLogs, "flowlog", "read the objects of a configured flow log, by `NAME|ID` (repeatable)")
	fl.BoolVar(&opts.SkipInvalid, "skip-invalid", false, "skip and count malformed lines instead of failing")
	fl.IntVarP(&opts.Jobs, "jobs", "j", 0, "read `N` sources at once (default: one per CPU; 8 or more for buckets)")
	cmdutil.AddMMDBFlag(cmd, &opts.MMDB)
	cmd.RegisterFlagCompletionFunc("flowlog", cmdutil.CompleteFlowLogs(f))
	return cmd
}

func scansRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	window, err := cmdutil.ParseWindow(opts.Since, opts.Until, f.Now())
	if err != nil {
		return err
	}
	format, err := cmdutil.OutputFormat(f, output.Table, output.Formats...)
	if err != nil {
		return err
	}
	names, err := cmdutil.AddrNames(f, opts.MMDB)
	if err != nil {
		return err
	}
	defer names.Close()
	plan, err := query.Spec{Since: window.Since, Until: window.Until, Where: opts.Where, Names: names}.Plan()
	if err != nil {
		return err
	}
	sources, err := cmdutil.ResolveSources(ctx, f, opts.Sources, opts.FlowLogs, cmdutil.SourceRules{})
	if err != nil {
		return err
	}
	inputs, err := sources.Inputs(ctx, window, &source.Stats{})
	if err != nil {
		return err
	}
	q := &query.Query{Inputs: inputs, SkipInvalid: opts.SkipInvalid, Workers: opts.Jobs}
	if plan.Filter != nil {
		q.Filter = plan.Filter
	}
	if q.Workers == 0 && sources.Remote {
		q.Workers = max(8, 2*runtime.GOMAXPROCS(0))
	}
	bar := cmdutil.NewProgress(f.IO, len(inputs), false)
	q.Progress = bar.Done
	found, stats, err := scans.Find(ctx, q, opts.Thresholds)
	bar.Finish()
	if stats.Skipped > 0 {
		fmt.Fprintf(f.IO.ErrOut, "flowlog: skipped %s malformed %s\n", output.Thousands(stats.Skipped), output.Plural(stats.Skipped, "line"))
	}
	if err != nil {
		return err
	}
	return printScanners(f, format, found)
}

// Columns are the output columns of flowlog scans.
var Columns = []string{"source", "ports", "hosts", "flows", "rejects", "reject_pct", "first_seen", "last_seen", "top_ports"}

func printScanners(f *cmdutil.Factory, format output.Format, found []scans.Scanner) error {
	w, err := output.NewWriter(format, f.IO.Out, Columns, output.Options{})
	if err != nil {
		return err
	}
	row := make([]output.Value, len(Columns))
	for _, s := range found {
		var top []string
		for _, t := range s.TopPorts {
			top = append(top, strconv.Itoa(int(t.Port))+":"+strconv.FormatUint(t.Flows, 10))
		}
		row[0] = output.Str(s.Source.String())
		row[1] = output.UintValue(s.Ports)
		row[2] = output.UintValue(s.Hosts)
		row[3] = output.UintValue(s.Flows)
		row[4] = output.UintValue(s.Rejects)
		row[5] = output.UintValue(uint64(100*s.RejectShare() + 0.5))
		row[6], row[7] = output.Value{}, output.Value{}
		if s.First != 0 {
			row[6] = output.UnixValue(s.First)
		}
		if s.Last != 0 {
			row[7] = output.UnixValue(s.Last)
		}
		row[8] = output.Str(strings.Join(top, " "))
		if err := w.Write(row); err != nil {
			return err
		}
	}
	return w.Close()
}
