// Package query is 'flowlog query': filter, print and aggregate records
// from files, folders, buckets and standard input.
package query

import (
	"bufio"
	"context"
	"fmt"
	"runtime"
	"slices"
	"time"
	_ "time/tzdata" // --tz works where the system has no zone database

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/addrinfo"
	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/parquetio"
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
	Memory             cmdutil.ByteSize
	FlowLogs           []string // --flowlog
	Follow             bool
	Interval           time.Duration
	TZ                 string   // --tz
	Sources            []string // SOURCE...
	MMDB               []string // --mmdb
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
(groups have no raw lines). A table on a terminal shows sizes and counts for
people (1.8 GB, 12.3 k) and times in --tz; every other output keeps exact
numbers and unix seconds.

Time series: --group-by time/10m (any interval: 30s, 1h, 1d, 1w) groups by
the interval a record starts in, aligned to UTC (an hour on the hour, a day
at midnight UTC, a week on Monday); a record that spans several intervals
counts in the one it starts in. It combines with other keys
(time/1h,action), and the rows come in time order. --top N then keeps the N
largest series over the whole window (with time the only key, the N busiest
intervals), --fill adds rows of zeros for the
intervals without records (within --since/--until when given, else from the
first interval seen to the last), and a table on a terminal adds bytes/s and
a bar of the --sort metric.

Conversations: --group-by conversation folds the records of both directions
of a 5-tuple into one row, with the packets and bytes each side sent
(client_packets, client_bytes, server_packets, server_bytes). The server is
the side with the lower port (a well-known port is below any ephemeral one);
with equal ports, as for ICMP, the lower address is the client.

--sql DIALECT prints, instead of an answer, the SQL that asks the same of the
table 'flowlog export' writes, for duckdb, trino, athena or spark: --table
names the table (default flowlogs); for duckdb a SOURCE may name the export's
folder or s3:// location; --flowlog names flow logs by name. See 'flowlog help
beyond-one-machine'.`,
		Example: `  flowlog query ./logs --action REJECT
  flowlog query ./logs --dst-port 22,3389 --since 6h -o ndjson | jq .srcaddr
  flowlog query ./logs --where 'proto tcp and bytes > 1M and not src net 10.0.0.0/8'
  flowlog query ./logs --group-by srcaddr --top 10 --sort bytes
  flowlog query ./logs --group-by time/1h,action --fill --sort bytes
  flowlog query ./logs --group-by conversation --top 10 --sort bytes
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
	cmdutil.AddFilterFlags(cmd, &opts.Spec)
	fl := cmd.Flags()
	fl.StringVar(&opts.Since, "since", "", "records ending at or after `TIME`: RFC 3339, unix seconds, or a duration back (90m, 6h, 7d)")
	fl.StringVar(&opts.Until, "until", "", "records starting at or before `TIME`")
	fl.StringVar(&opts.Spec.Fields, "fields", "", "`FIELDS` to print, in order (default the version-2 fields; all adds those of AWS custom formats): srcaddr,dstaddr,dstport,bytes,vpc_id")
	fl.Int64Var(&opts.Spec.Limit, "limit", 0, "stop after `N` records (or N groups)")
	fl.BoolVar(&opts.Spec.Count, "count", false, "print only the number of matching records")
	fl.StringVar(&opts.Spec.GroupBy, "group-by", "", "group by `KEYS`: fields (srcaddr, srcaddr/24, dstport, ...), time/DURATION or conversation, e.g. time/1h,action")
	fl.BoolVar(&opts.Spec.Fill, "fill", false, "with a time/DURATION key, print the intervals without records as zeros")
	fl.StringVar(&opts.TZ, "tz", "", "show times in tables in `ZONE` (Europe/Berlin, +02:00, Local; default UTC)")
	fl.IntVar(&opts.Spec.Top, "top", 0, "with --group-by, print the `N` largest groups")
	fl.StringVar(&opts.Spec.Sort, "sort", "", "with --group-by, order the groups by `METRIC`: flows, packets or bytes (default flows)")
	fl.BoolVar(&opts.Stats, "stats", false, "print sources, bytes and records read, the rate, the retries and resumed bytes of object storage reads, and any spill past --memory, to stderr")
	fl.BoolVar(&opts.SkipInvalid, "skip-invalid", false, "skip and count malformed lines instead of failing")
	fl.IntVarP(&opts.Jobs, "jobs", "j", 0, "read `N` sources at once (default: one per CPU for files, 64 for a bucket; parsed on at most one worker per CPU)")
	cmdutil.RepeatedVar(fl, &opts.FlowLogs, "flowlog", "read the objects of a configured flow log, by `NAME|ID` (repeatable); with a SOURCE holding a Parquet export, only that flow log's partitions of it")
	fl.BoolVarP(&opts.Follow, "follow", "f", false, "keep polling for new objects and print their records as they arrive, until interrupted")
	fl.DurationVar(&opts.Interval, "interval", 30*time.Second, "with --follow, how often to look for new objects (a `DURATION`)")
	cmdutil.AddMMDBFlag(cmd, &opts.MMDB)
	cmdutil.AddMemoryFlag(cmd, &opts.Memory)
	fl.StringVar(&opts.SQL, "sql", "", "print the SQL that asks the same of the exported table, in `DIALECT`: duckdb, trino, athena or spark")
	fl.StringVar(&opts.Table, "table", "", "with --sql, the `TABLE` to read (default flowlogs, as 'flowlog export --ddl' names it)")
	cmd.RegisterFlagCompletionFunc("flowlog", cmdutil.CompleteFlowLogs(f))

	cmdutil.RegisterEnumCompletion(cmd, "sort", "flows", "packets", "bytes")
	for flag, values := range map[string][]string{
		"fields":   append([]string{"all"}, slices.Concat(record.KnownFieldNames(), addrinfo.FieldNames())...),
		"group-by": slices.Concat(record.KnownFieldNames(), addrinfo.FieldNames(), []string{"time/10m", "time/1h", "time/1d", "conversation"}),
		"sql":      {"duckdb", "trino", "athena", "spark"},
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
	names, err := cmdutil.AddrNames(f, opts.MMDB)
	if err != nil {
		return err
	}
	defer names.Close()
	opts.Spec.Names = names
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
	look := output.Options{People: format == output.Table && f.IO.IsStdoutTTY()}
	if look.Location, err = cmdutil.ParseZone(opts.TZ); err != nil {
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

	sources, err := resolveSources(ctx, opts)
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
	if plan.Grouped() {
		q.Memory = cmdutil.MemoryBudget(opts.Memory)
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
		stats, err = runGroupBy(ctx, f, q, plan, format, look, bar)
	default:
		stats, err = runPrint(ctx, q, format, look, plan, opts, sources, bar)
	}
	if stats.Skipped > 0 {
		fmt.Fprintf(f.IO.ErrOut, "flowlog: skipped %s malformed %s\n", output.Thousands(stats.Skipped), output.Plural(stats.Skipped, "line"))
	}
	if opts.Stats {
		printStats(f, stats, listed)
	}
	return err
}

// resolveSources is the SOURCEs and --flowlog. With a SOURCE that holds a
// Parquet export, --flowlog NAME keeps that export's flowlog=NAME
// partitions instead of naming a configured flow log's objects.
func resolveSources(ctx context.Context, opts *Options) (*cmdutil.Sources, error) {
	f := opts.Factory
	if len(opts.FlowLogs) == 0 || len(opts.Sources) == 0 {
		return cmdutil.ResolveSources(ctx, f, opts.Sources, opts.FlowLogs, cmdutil.SourceRules{})
	}
	sources, err := cmdutil.ResolveSources(ctx, f, opts.Sources, nil, cmdutil.SourceRules{})
	if err != nil {
		return nil, err
	}
	exports := false
	err = sources.MapObjects(func(objs flowlog.Objects) ([]flowlog.Objects, error) {
		narrowed, ok, err := parquetio.NarrowToFlowLogs(ctx, objs, opts.FlowLogs)
		if !ok || err != nil {
			return []flowlog.Objects{objs}, err
		}
		exports = true
		return narrowed, nil
	})
	if err != nil || exports {
		return sources, err
	}
	return cmdutil.ResolveSources(ctx, f, opts.Sources, opts.FlowLogs, cmdutil.SourceRules{})
}

// runPrint prints matching records; with --follow it then keeps polling
// the sources for new objects and prints theirs, until interrupted.
func runPrint(ctx context.Context, q *query.Query, format output.Format, look output.Options, plan *query.Plan, opts *Options, sources *cmdutil.Sources, bar *cmdutil.Progress) (query.Stats, error) {
	f := opts.Factory
	need, newEncode, write, flush, closeOut, err := recordPrinter(f, format, look, plan)
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
func recordPrinter(f *cmdutil.Factory, format output.Format, look output.Options, plan *query.Plan) (need record.FieldSet, newEncode query.NewEncode, write func([]byte) error, flush, finish func() error, err error) {
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
	need |= plan.DerivedNeed()
	stream, err := output.NewStream(format, f.IO.Out, plan.Columns(), look)
	if err != nil {
		return 0, nil, nil, nil, nil, err
	}
	newEncode = func() query.Encode {
		enc := stream.Encoder()
		row := make([]output.Value, len(plan.Fields))
		scratch := make([][]byte, len(plan.Fields))
		if cache := plan.NewNamesCache(); cache != nil {
			// Names of addresses among the fields: the record's fields go
			// to their places beside them.
			full := make([]output.Value, len(plan.Columns()))
			return func(dst []byte, r *record.Record) []byte {
				plan.RecordRow(row, r, scratch)
				plan.DerivedRow(full, row, r, cache)
				return enc.Append(dst, full)
			}
		}
		return func(dst []byte, r *record.Record) []byte {
			plan.RecordRow(row, r, scratch)
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

func runGroupBy(ctx context.Context, f *cmdutil.Factory, q *query.Query, plan *query.Plan, format output.Format, look output.Options, bar *cmdutil.Progress) (query.Stats, error) {
	groups, stats, err := q.Group(ctx, plan.Grouping())
	bar.Finish()
	if err != nil {
		return stats, err
	}
	columns := plan.Columns()
	n := len(columns)
	timeKey, series := plan.TimeKey()
	chart := look.People && series
	var most uint64
	if chart {
		// A series at a glance: the rate, and a bar of the sort metric
		// scaled to the largest row.
		columns = append(columns, "bytes/s", string(plan.SortBy)+" bar")
		for _, g := range groups {
			most = max(most, metricOf(g, plan.SortBy))
		}
	}
	w, err := output.NewWriter(format, f.IO.Out, columns, look)
	if err != nil {
		return stats, err
	}
	row := make([]output.Value, len(columns))
	for _, g := range groups {
		plan.GroupRow(row[:n], g)
		if chart {
			row[n] = output.RateValue(float64(g.Bytes) / float64(timeKey.Step))
			row[n+1] = output.Str(output.Bar(metricOf(g, plan.SortBy), most, barWidth))
		}
		if err := w.Write(row); err != nil {
			return stats, err
		}
	}
	return stats, w.Close()
}

// barWidth is how many cells the longest bar of a time series takes.
const barWidth = 20

func metricOf(g query.Group, by query.SortBy) uint64 {
	switch by {
	case query.SortPackets:
		return g.Packets
	case query.SortBytes:
		return g.Bytes
	}
	return g.Flows
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
		listed.Listed, output.Count(listed.Requests, "listing"), listed.Skipped, s.Sources, output.BinarySizeText(uint64(s.BytesRead)), output.Thousands(s.Records), output.Thousands(s.Matched),
		output.Thousands(s.Skipped), s.Elapsed.Round(time.Millisecond), output.Thousands(int64(rate)),
		output.Thousands(net.Retries.Load()), output.BinarySizeText(uint64(net.ResumedBytes.Load())))
	if s.SpillRuns > 0 {
		fmt.Fprintf(f.IO.ErrOut, "groups past the memory budget: spilled %s of %s to temporary files\n",
			output.Count(s.SpillRuns, "run"), output.BinarySizeText(uint64(s.SpillBytes)))
	}
}
