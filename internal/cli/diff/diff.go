// Package diff is 'flowlog diff': what changed between two windows of
// records, group by group.
package diff

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/diff"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/source"
	"github.com/flowlog/flowlog/internal/timespec"
)

// Options are the parsed flags and arguments of 'flowlog diff'.
type Options struct {
	Factory *cmdutil.Factory

	Spec          query.Spec // filters and --group-by, as query takes them
	Base, Compare string     // --base, --compare: windows
	Rank          string     // --rank
	Top           int
	Sources       []string
	FlowLogs      []string
	MMDB          []string
	SkipInvalid   bool
	Jobs          int
	Memory        cmdutil.ByteSize
}

// NewCmdDiff builds the command; runF, when not nil, runs instead of
// diffRun.
func NewCmdDiff(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "diff --base WINDOW --compare WINDOW [SOURCE...]",
		Short: "Compare two windows of records, group by group",
		Long: `Group the records of two windows as 'query --group-by' does, and list the
groups new in the compared window, the groups gone from it, and the groups
whose traffic changed most: by amount (--rank delta) or by factor (--rank
ratio).

A WINDOW is one of: today; yesterday (UTC days); last 1h, last 7d, last hour;
a date (2026-11-25, the whole UTC day); FROM..TO with each end as --since
takes it (2h..1h, 2026-11-25T08:00:00Z..2026-11-25T09:00:00Z); or a time as
--since takes it, to now. --compare defaults to the last hour; --base to the
window of the same length just before --compare.

Sources and filters are those of query. The objects of both windows are
read in one pass: an object that both windows need is read once.

Output (-o): a table on a terminal, or json, ndjson and csv: the group keys,
change (new, gone, up or down), base_METRIC, compare_METRIC, delta (compare
minus base) and change_pct (the change in percent of base, rounded; empty
for new and gone groups).`,
		Example: `  flowlog diff ./logs --base yesterday --compare today --group-by dstport
  flowlog diff ./logs --compare 'last 1h' --group-by src.asn --mmdb GeoLite2-ASN.mmdb
  flowlog diff --flowlog web --base 2026-11-24 --compare 2026-11-25 --group-by srcaddr/24 --rank ratio -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sources = args
			switch opts.Rank {
			case string(diff.ByDelta), string(diff.ByRatio):
			default:
				return cmdutil.UsageErrorf("--rank %q: use delta or ratio", opts.Rank)
			}
			if opts.Top < 0 || opts.Jobs < 0 {
				return cmdutil.UsageErrorf("--top and --jobs take a number of zero or more")
			}
			if runF != nil {
				return runF(opts)
			}
			return diffRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Base, "base", "", "the `WINDOW` to compare with (default: as long as --compare, just before it)")
	fl.StringVar(&opts.Compare, "compare", "last 1h", "the `WINDOW` to compare")
	fl.StringVar(&opts.Spec.GroupBy, "group-by", "srcaddr", "group by `KEYS`, as query takes them: srcaddr/24,dstport, src.asn")
	fl.StringVar(&opts.Spec.Sort, "sort", "bytes", "compare by `METRIC`: flows, packets or bytes")
	fl.StringVar(&opts.Rank, "rank", "delta", "order changed groups by `HOW`: delta (the largest difference) or ratio (the largest factor)")
	fl.IntVar(&opts.Top, "top", 10, "list at most `N` new, N gone and N changed groups (0 for all)")
	cmdutil.ListVar(fl, &opts.Spec.Actions, "action", "keep records with this firewall `VERDICT`: ACCEPT or REJECT")
	cmdutil.ListVar(fl, &opts.Spec.Srcs, "src", "source `IP|CIDR` (IPv4 or IPv6)")
	cmdutil.ListVar(fl, &opts.Spec.Dsts, "dst", "destination `IP|CIDR`")
	cmdutil.ListVar(fl, &opts.Spec.DstPorts, "dst-port", "destination `PORTS`")
	cmdutil.ListVar(fl, &opts.Spec.Protocols, "protocol", "`PROTOCOL`: tcp, udp, icmp, icmpv6 or a number")
	fl.StringVar(&opts.Spec.Where, "where", "", "filter `EXPR` (see 'flowlog help query-language')")
	cmdutil.RepeatedVar(fl, &opts.FlowLogs, "flowlog", "read the objects of a configured flow log, by `NAME|ID` (repeatable)")
	fl.BoolVar(&opts.SkipInvalid, "skip-invalid", false, "skip and count malformed lines instead of failing")
	fl.IntVarP(&opts.Jobs, "jobs", "j", 0, "read `N` sources at once (default: one per CPU; 8 or more for buckets)")
	cmdutil.AddMMDBFlag(cmd, &opts.MMDB)
	cmdutil.AddMemoryFlag(cmd, &opts.Memory)
	cmdutil.RegisterEnumCompletion(cmd, "sort", "flows", "packets", "bytes")
	cmdutil.RegisterEnumCompletion(cmd, "rank", "delta", "ratio")
	cmd.RegisterFlagCompletionFunc("flowlog", cmdutil.CompleteFlowLogs(f))
	return cmd
}

// windows reads --compare and --base.
func windows(opts *Options, now time.Time) (base, compare timespec.Period, err error) {
	if compare, err = timespec.ParsePeriod(opts.Compare, now); err != nil {
		return base, compare, cmdutil.UsageErrorf("--compare: %v", err)
	}
	if opts.Base == "" {
		length := compare.Until.Sub(compare.Since)
		return timespec.Period{Since: compare.Since.Add(-length), Until: compare.Since.Add(-time.Second)}, compare, nil
	}
	if base, err = timespec.ParsePeriod(opts.Base, now); err != nil {
		return base, compare, cmdutil.UsageErrorf("--base: %v", err)
	}
	return base, compare, nil
}

func diffRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	base, compare, err := windows(opts, f.Now())
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
	opts.Spec.Names = names
	sources, err := cmdutil.ResolveSources(ctx, f, opts.Sources, opts.FlowLogs, cmdutil.SourceRules{})
	if err != nil {
		return err
	}

	// One pass over the objects of both windows: each record is offered to
	// each window's group table, through that window's time filter, so an
	// object both windows need is read once.
	plan, err := opts.Spec.Plan()
	if err != nil {
		return err
	}
	var inputs []query.Input
	seen := map[string]bool{}
	aggs := make([]query.Aggregation, 2)
	for i, w := range []timespec.Period{base, compare} {
		window, err := query.Spec{Since: w.Since, Until: w.Until}.Plan()
		if err != nil {
			return err
		}
		aggs[i] = query.Aggregation{Filter: window.Filter, Grouping: query.Grouping{Keys: plan.Keys, SortBy: plan.SortBy}}
		in, err := sources.Inputs(ctx, source.Window{Since: w.Since, Until: w.Until}, &source.Stats{})
		if err != nil {
			return err
		}
		for _, input := range in {
			if !seen[input.Name] {
				seen[input.Name] = true
				inputs = append(inputs, input)
			}
		}
	}
	q := &query.Query{Inputs: inputs, SkipInvalid: opts.SkipInvalid, Workers: opts.Jobs, Memory: cmdutil.MemoryBudget(opts.Memory)}
	if plan.Filter != nil {
		q.Filter = plan.Filter
	}
	if q.Workers == 0 && sources.Remote {
		q.Workers = max(8, 2*runtime.GOMAXPROCS(0))
	}
	groups, stats, err := q.AggregateEach(ctx, aggs)
	if err != nil {
		return err
	}
	if stats.Skipped > 0 {
		fmt.Fprintf(f.IO.ErrOut, "flowlog: skipped %s malformed %s\n", output.Thousands(stats.Skipped), output.Plural(stats.Skipped, "line"))
	}
	res := diff.Compare(groups[0], groups[1], diff.Options{Metric: plan.SortBy, Rank: diff.Rank(opts.Rank), Top: opts.Top})
	return printResult(f, format, plan, res)
}

func printResult(f *cmdutil.Factory, format output.Format, plan *query.Plan, res diff.Result) error {
	metric := string(plan.SortBy)
	var columns []string
	for _, k := range plan.Keys {
		columns = append(columns, k.Name())
	}
	n := len(columns)
	columns = append(columns, "change", "base_"+metric, "compare_"+metric, "delta", "change_pct")
	w, err := output.NewWriter(format, f.IO.Out, columns, output.Options{})
	if err != nil {
		return err
	}
	row := make([]output.Value, len(columns))
	keyRow := make([]output.Value, len(plan.Columns()))
	for _, r := range res.Rows() {
		plan.GroupRow(keyRow, query.Group{Key: r.Key})
		copy(row, keyRow[:n])
		row[n] = output.Str(strings.ToLower(string(r.Change)))
		row[n+1] = output.UintValue(r.Base)
		row[n+2] = output.UintValue(r.Compare)
		row[n+3] = output.IntValue(r.Delta())
		row[n+4] = output.Value{}
		if r.Base > 0 && r.Compare > 0 {
			pct := 100 * (r.Ratio() - 1)
			row[n+4] = output.IntValue(int64(pct + 0.5*sign(pct)))
		}
		if err := w.Write(row); err != nil {
			return err
		}
	}
	return w.Close()
}

func sign(x float64) float64 {
	if x < 0 {
		return -1
	}
	return 1
}
