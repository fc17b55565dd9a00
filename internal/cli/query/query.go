// Package query is 'flowlog query': filter, print and aggregate records
// from files, folders, buckets and standard input.
package query

import (
	"bufio"
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/record"
	"github.com/flowlog/flowlog/internal/source"
)

// Options are the parsed flags and arguments of 'flowlog query'.
type Options struct {
	Factory *cmdutil.Factory

	Spec               query.Spec // the question, from the filter and output flags
	Since, Until       string
	Stats, SkipInvalid bool
	Jobs               int
	FlowLogs           []string // --flowlog
	Follow             bool
	Interval           time.Duration
	Sources            []string // SOURCE...
	SQL, Table         string   // --sql DIALECT, --table NAME
}

// NewCmdQuery builds the command; runF, when not nil, runs instead of
// queryRun.
func NewCmdQuery(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "query [SOURCE...]",
		Short: "Filter, print and aggregate flow log records",
		Long: `Read flow log records from files, folders or standard input, keep those that
match every filter, and print them, count them, or group them.

A SOURCE is a file (gzip or plain text, or Parquet), a folder (searched for
*.log.gz, *.log and *.parquet files, read in name order), or - for standard
input. Parquet is flowlog export's (see 'flowlog export') or AWS's; its
partitions outside --since/--until and its row groups that cannot match the
window or --action are not read. With no SOURCE and
records piped in, standard input is read.

Filters combine with AND; a flag given twice, or with a comma list, matches
any of its values. --where takes an expression for everything else (see
'flowlog help query-language'). A field written as "-" in a record matches no
filter on that field.

Output (-o): table on a terminal, raw record lines otherwise, or json, ndjson
and csv. --group-by prints one row per group with flows, packets, bytes,
first_start and last_end, as a table unless -o asks for json, ndjson or csv
(groups have no raw lines).

--sql DIALECT prints, instead of an answer, the SQL that asks the same of the
table 'flowlog export' writes, for duckdb, trino, athena or spark: --table
names the table (default flowlogs); for duckdb a SOURCE may name the export's
folder or s3:// location; --flowlog names flow logs by name. See 'flowlog help
beyond-one-machine'.`,
		Example: `  flowlog query ./logs --action REJECT
  flowlog query ./logs --dst-port 22,3389 --since 6h -o ndjson | jq .srcaddr
  flowlog query ./logs --where 'proto tcp and bytes > 1M and not src net 10.0.0.0/8'
  flowlog query ./logs --group-by srcaddr --top 10 --sort bytes
  flowlog query --sql athena --flowlog web --since 7d --group-by srcaddr/24 --top 10
  zcat obj.log.gz | flowlog query --count --action reject`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sources = args
			if runF != nil {
				return runF(opts)
			}
			return queryRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.Spec.Actions, "action", nil, "keep records with this firewall `VERDICT`: ACCEPT or REJECT")
	fl.StringSliceVar(&opts.Spec.Statuses, "status", nil, "keep records with this log `STATUS`: OK, NODATA or SKIPDATA")
	fl.StringSliceVar(&opts.Spec.Srcs, "src", nil, "source `IP|CIDR` (IPv4 or IPv6)")
	fl.StringSliceVar(&opts.Spec.Dsts, "dst", nil, "destination `IP|CIDR`")
	fl.StringSliceVar(&opts.Spec.Addrs, "addr", nil, "source or destination `IP|CIDR`")
	fl.StringSliceVar(&opts.Spec.SrcPorts, "src-port", nil, "source `PORTS`: 22,80,8000-8999")
	fl.StringSliceVar(&opts.Spec.DstPorts, "dst-port", nil, "destination `PORTS`")
	fl.StringSliceVar(&opts.Spec.Ports, "port", nil, "source or destination `PORTS`")
	fl.StringSliceVar(&opts.Spec.Protocols, "protocol", nil, "`PROTOCOL`: tcp, udp, icmp, icmpv6 or a number")
	fl.StringSliceVar(&opts.Spec.Interfaces, "interface", nil, "interface `ID`")
	fl.StringSliceVar(&opts.Spec.Accounts, "account", nil, "account `ID`")
	fl.StringVar(&opts.Since, "since", "", "records ending at or after `TIME`: RFC 3339, unix seconds, or a duration back (90m, 6h, 7d)")
	fl.StringVar(&opts.Until, "until", "", "records starting at or before `TIME`")
	fl.StringVar(&opts.Spec.Where, "where", "", "filter `EXPR`, e.g. 'proto tcp and dst port in (22, 3389) and bytes > 1M'")
	fl.StringVar(&opts.Spec.Fields, "fields", "", "`FIELDS` to print, in order (default all): srcaddr,dstaddr,dstport,bytes")
	fl.Int64Var(&opts.Spec.Limit, "limit", 0, "stop after `N` records (or N groups)")
	fl.BoolVar(&opts.Spec.Count, "count", false, "print only the number of matching records")
	fl.StringVar(&opts.Spec.GroupBy, "group-by", "", "group by `FIELDS`, e.g. srcaddr or srcaddr/24,dstport")
	fl.IntVar(&opts.Spec.Top, "top", 0, "with --group-by, print the `N` largest groups")
	fl.StringVar(&opts.Spec.Sort, "sort", "", "with --group-by, order the groups by `METRIC`: flows, packets or bytes (default flows)")
	fl.BoolVar(&opts.Stats, "stats", false, "print sources, bytes and records read, the rate, and the retries and resumed bytes of object storage reads, to stderr")
	fl.BoolVar(&opts.SkipInvalid, "skip-invalid", false, "skip and count malformed lines instead of failing")
	fl.IntVarP(&opts.Jobs, "jobs", "j", 0, "read `N` sources at once (default: one per CPU for files, 64 for a bucket; parsed on at most one worker per CPU)")
	fl.StringArrayVar(&opts.FlowLogs, "flowlog", nil, "read the objects of a configured flow log, by `NAME|ID` (repeatable)")
	fl.BoolVarP(&opts.Follow, "follow", "f", false, "keep polling for new objects and print their records as they arrive, until interrupted")
	fl.DurationVar(&opts.Interval, "interval", 30*time.Second, "with --follow, how often to look for new objects (a `DURATION`)")
	fl.StringVar(&opts.SQL, "sql", "", "print the SQL that asks the same of the exported table, in `DIALECT`: duckdb, trino, athena or spark")
	fl.StringVar(&opts.Table, "table", "", "with --sql, the `TABLE` to read (default flowlogs, as 'flowlog export --ddl' names it)")
	cmd.RegisterFlagCompletionFunc("flowlog", cmdutil.CompleteFlowLogs(f))

	cmdutil.RegisterEnumCompletion(cmd, "sort", "flows", "packets", "bytes")
	for flag, values := range map[string][]string{
		"action":   {"ACCEPT", "REJECT"},
		"status":   {"OK", "NODATA", "SKIPDATA"},
		"protocol": {"tcp", "udp", "icmp", "icmpv6"},
		"fields":   record.FieldNames(),
		"sql":      {"duckdb", "trino", "athena", "spark"},
		"group-by": record.FieldNames(),
	} {
		if err := cmd.RegisterFlagCompletionFunc(flag, cmdutil.CompleteList(values...)); err != nil {
			panic(err)
		}
	}
	return cmd
}

func queryRun(ctx context.Context, opts *Options) error {
	if opts.SQL != "" {
		return sqlRun(opts)
	}
	f := opts.Factory
	window, err := cmdutil.ParseWindow(opts.Since, opts.Until, f.Now())
	if err != nil {
		return err
	}
	opts.Spec.Since, opts.Spec.Until = window.Since, window.Until
	plan, err := opts.Spec.Plan()
	if err != nil {
		return err
	}
	onPipe, allowed := output.Raw, append([]output.Format{output.Raw}, output.Formats...)
	if plan.Grouped() || plan.Count {
		onPipe, allowed = output.Table, output.Formats // no raw form
	}
	format, err := cmdutil.OutputFormat(f, onPipe, allowed...)
	if err != nil {
		return err
	}
	if opts.Jobs < 0 {
		return cmdutil.UsageErrorf("--jobs takes a number of zero or more")
	}
	if opts.Follow && (plan.Count || plan.Grouped() || opts.Until != "") {
		return cmdutil.UsageErrorf("--follow prints records as they arrive: it cannot be combined with --count, --group-by or --until")
	}
	if opts.Follow && opts.Interval < time.Second {
		return cmdutil.UsageErrorf("--interval must be at least 1s")
	}
	if opts.Follow {
		ctx = objstore.WithPatience(ctx, readPatience(f.IO.ErrOut))
	}

	sources, err := cmdutil.ResolveSources(ctx, f, opts.Sources, opts.FlowLogs, cmdutil.SourceRules{})
	if err != nil {
		return err
	}
	var listed source.Stats
	inputs, err := sources.Inputs(ctx, window, &listed)
	if err != nil {
		return err
	}
	// Objects in flight are chosen for the store; the workers that parse
	// them, for the CPU.
	q := &query.Query{Inputs: inputs, SkipInvalid: opts.SkipInvalid, InFlight: sources.InFlight(), Bounds: opts.Spec.Bounds()}
	if opts.Jobs > 0 {
		q.InFlight = opts.Jobs
		q.Workers = min(opts.Jobs, runtime.GOMAXPROCS(0))
	}
	if plan.Filter != nil {
		q.Filter = plan.Filter
	}
	bar := cmdutil.NewProgress(f.IO, len(inputs), opts.Follow)
	q.Progress = bar.Done

	var stats query.Stats
	switch {
	case plan.Count:
		var n int64
		n, stats, err = q.Count(ctx)
		bar.Finish()
		if err == nil {
			err = printCount(f, format, n)
		}
	case plan.Grouped():
		stats, err = runGroupBy(ctx, f, q, plan, format, bar)
	default:
		stats, err = runPrint(ctx, q, format, plan, opts, sources, bar)
	}
	if stats.Skipped > 0 {
		fmt.Fprintf(f.IO.ErrOut, "flowlog: skipped %s malformed %s\n", humanize.Comma(stats.Skipped), output.Plural(stats.Skipped, "line"))
	}
	if opts.Stats {
		printStats(f, stats, listed)
	}
	return err
}

// runPrint prints matching records; with --follow it then keeps polling
// the sources for new objects and prints theirs, until interrupted.
func runPrint(ctx context.Context, q *query.Query, format output.Format, plan *query.Plan, opts *Options, sources *cmdutil.Sources, bar *cmdutil.Progress) (query.Stats, error) {
	f := opts.Factory
	need, newEncode, write, flush, closeOut, err := recordPrinter(f, format, plan)
	if err != nil {
		return query.Stats{}, err
	}
	stats, err := q.Print(ctx, need, newEncode, write, plan.Limit)
	bar.Finish()
	if err == nil && opts.Follow {
		if err = flush(); err == nil {
			err = follow(ctx, opts, q, sources, &stats, func(q *query.Query) (query.Stats, error) {
				st, err := q.Print(ctx, need, newEncode, write, 0)
				if ferr := flush(); err == nil {
					err = ferr
				}
				return st, err
			})
		}
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	return stats, err
}

// recordPrinter sets up the output of records: the fields to parse, an
// encoder per worker, where encoded bytes go, how to flush them (--follow
// shows records as they arrive) and how to finish.
func recordPrinter(f *cmdutil.Factory, format output.Format, plan *query.Plan) (need record.FieldSet, newEncode query.NewEncode, write func([]byte) error, flush, finish func() error, err error) {
	if format == output.Raw {
		w := bufio.NewWriterSize(f.IO.Out, 256<<10)
		raw := func() query.Encode {
			return func(dst []byte, r *record.Record) []byte {
				return append(append(dst, r.Line...), '\n')
			}
		}
		write := func(b []byte) error {
			_, err := w.Write(b)
			return err
		}
		return 0, raw, write, w.Flush, w.Flush, nil
	}
	for _, fd := range plan.Fields {
		need = need.With(fd)
	}
	stream, err := output.NewStream(format, f.IO.Out, plan.Columns(), output.Options{})
	if err != nil {
		return 0, nil, nil, nil, nil, err
	}
	newEncode = func() query.Encode {
		enc := stream.Encoder()
		row := make([]output.Value, len(plan.Fields))
		var addrs [2][]byte
		return func(dst []byte, r *record.Record) []byte {
			plan.RecordRow(row, r, &addrs)
			return enc.Append(dst, row)
		}
	}
	return need, newEncode, stream.Write, stream.Flush, stream.Close, nil
}

func printCount(f *cmdutil.Factory, format output.Format, n int64) error {
	if format == output.Table {
		_, err := fmt.Fprintln(f.IO.Out, n)
		return err
	}
	w, err := output.NewWriter(format, f.IO.Out, []string{"count"}, output.Options{Object: true})
	if err != nil {
		return err
	}
	if err := w.Write([]output.Value{output.IntValue(n)}); err != nil {
		return err
	}
	return w.Close()
}

func runGroupBy(ctx context.Context, f *cmdutil.Factory, q *query.Query, plan *query.Plan, format output.Format, bar *cmdutil.Progress) (query.Stats, error) {
	groups, stats, err := q.Aggregate(ctx, plan.Keys, plan.SortBy, plan.Top)
	bar.Finish()
	if err != nil {
		return stats, err
	}
	columns := plan.Columns()
	w, err := output.NewWriter(format, f.IO.Out, columns, output.Options{})
	if err != nil {
		return stats, err
	}
	row := make([]output.Value, len(columns))
	for _, g := range groups {
		plan.GroupRow(row, g)
		if err := w.Write(row); err != nil {
			return stats, err
		}
	}
	return stats, w.Close()
}

func printStats(f *cmdutil.Factory, s query.Stats, listed source.Stats) {
	secs := s.Elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(s.Records) / secs
	}
	// Retries and resumed bytes are the network's share: a read cut off
	// and resumed where it stopped is not read twice.
	net := f.Transfers()
	fmt.Fprintf(f.IO.ErrOut,
		"objects: listed %d in %s, skipped %d by time, read %d  bytes: %s  records: %s  matched: %s  skipped: %s  elapsed: %s  rate: %s records/s  retries: %s  resumed: %s\n",
		listed.Listed, output.Count(listed.Requests, "listing"), listed.Skipped, s.Sources, humanize.IBytes(uint64(s.BytesRead)), humanize.Comma(s.Records), humanize.Comma(s.Matched),
		humanize.Comma(s.Skipped), s.Elapsed.Round(time.Millisecond), humanize.Comma(int64(rate)),
		humanize.Comma(net.Retries.Load()), humanize.IBytes(uint64(net.ResumedBytes.Load())))
}
