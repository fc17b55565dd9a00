package cli

import (
	"bufio"
	"fmt"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/filter/expr"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/record"
	"github.com/flowlog/flowlog/internal/source"
	"github.com/flowlog/flowlog/internal/timespec"
)

type queryOptions struct {
	actions, statuses    []string
	srcs, dsts, addrs    []string
	srcPorts, dstPorts   []string
	ports, protocols     []string
	interfaces, accounts []string
	since, until         string
	where                string
	fields               string
	limit                int64
	count                bool
	groupBy, sort        string
	top                  int
	stats, skipInvalid   bool
	jobs                 int
	flowLogs             []string
	follow               bool
	interval             time.Duration
}

func newQueryCmd(f *Factory) *cobra.Command {
	opts := &queryOptions{}
	cmd := &cobra.Command{
		Use:   "query [SOURCE...]",
		Short: "Filter, print and aggregate flow log records",
		Long: `Read flow log records from files, folders or standard input, keep those that
match every filter, and print them, count them, or group them.

A SOURCE is a file (gzip or plain text), a folder (searched for *.log.gz and
*.log files, read in name order), or - for standard input. With no SOURCE and
records piped in, standard input is read.

Filters combine with AND; a flag given twice, or with a comma list, matches
any of its values. --where takes an expression for everything else (see
'flowlog help query-language'). A field written as "-" in a record matches no
filter on that field.

Output (-o): table on a terminal, raw record lines otherwise, or json, ndjson
and csv. --group-by prints one row per group with flows, packets, bytes,
first_start and last_end, as a table unless -o asks for json, ndjson or csv
(groups have no raw lines).`,
		Example: `  flowlog query ./logs --action REJECT
  flowlog query ./logs --dst-port 22,3389 --since 6h -o ndjson | jq .srcaddr
  flowlog query ./logs --where 'proto tcp and bytes > 1M and not src net 10.0.0.0/8'
  flowlog query ./logs --group-by srcaddr --top 10 --sort bytes
  zcat obj.log.gz | flowlog query --count --action reject`,
		GroupID: "records",
		RunE: func(cmd *cobra.Command, args []string) error {
			return queryRun(cmd, f, opts, args)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.actions, "action", nil, "keep records with this firewall `VERDICT`: ACCEPT or REJECT")
	fl.StringSliceVar(&opts.statuses, "status", nil, "keep records with this log `STATUS`: OK, NODATA or SKIPDATA")
	fl.StringSliceVar(&opts.srcs, "src", nil, "source `IP|CIDR` (IPv4 or IPv6)")
	fl.StringSliceVar(&opts.dsts, "dst", nil, "destination `IP|CIDR`")
	fl.StringSliceVar(&opts.addrs, "addr", nil, "source or destination `IP|CIDR`")
	fl.StringSliceVar(&opts.srcPorts, "src-port", nil, "source `PORTS`: 22,80,8000-8999")
	fl.StringSliceVar(&opts.dstPorts, "dst-port", nil, "destination `PORTS`")
	fl.StringSliceVar(&opts.ports, "port", nil, "source or destination `PORTS`")
	fl.StringSliceVar(&opts.protocols, "protocol", nil, "`PROTOCOL`: tcp, udp, icmp, icmpv6 or a number")
	fl.StringSliceVar(&opts.interfaces, "interface", nil, "interface `ID`")
	fl.StringSliceVar(&opts.accounts, "account", nil, "account `ID`")
	fl.StringVar(&opts.since, "since", "", "records ending at or after `TIME`: RFC 3339, unix seconds, or a duration back (90m, 6h, 7d)")
	fl.StringVar(&opts.until, "until", "", "records starting at or before `TIME`")
	fl.StringVar(&opts.where, "where", "", "filter `EXPR`, e.g. 'proto tcp and dst port in (22, 3389) and bytes > 1M'")
	fl.StringVar(&opts.fields, "fields", "", "`FIELDS` to print, in order (default all): srcaddr,dstaddr,dstport,bytes")
	fl.Int64Var(&opts.limit, "limit", 0, "stop after `N` records (or N groups)")
	fl.BoolVar(&opts.count, "count", false, "print only the number of matching records")
	fl.StringVar(&opts.groupBy, "group-by", "", "group by `FIELDS`, e.g. srcaddr or srcaddr/24,dstport")
	fl.IntVar(&opts.top, "top", 0, "with --group-by, print the `N` largest groups")
	fl.StringVar(&opts.sort, "sort", "", "with --group-by, order the groups by `METRIC`: flows, packets or bytes (default flows)")
	fl.BoolVar(&opts.stats, "stats", false, "print sources, bytes and records read, and the rate, to stderr")
	fl.BoolVar(&opts.skipInvalid, "skip-invalid", false, "skip and count malformed lines instead of failing")
	fl.IntVarP(&opts.jobs, "jobs", "j", 0, "read `N` sources at once (default: one per CPU; 8 or more for buckets)")
	fl.StringArrayVar(&opts.flowLogs, "flowlog", nil, "read the objects of a configured flow log, by `NAME|ID` (repeatable)")
	fl.BoolVarP(&opts.follow, "follow", "f", false, "keep polling for new objects and print their records as they arrive, until interrupted")
	fl.DurationVar(&opts.interval, "interval", 30*time.Second, "with --follow, how often to look for new objects (a `DURATION`)")
	cmd.RegisterFlagCompletionFunc("flowlog", completeFlowLogs(f))

	registerEnumCompletion(cmd, "sort", "flows", "packets", "bytes")
	for flag, values := range map[string][]string{
		"action":   {"ACCEPT", "REJECT"},
		"status":   {"OK", "NODATA", "SKIPDATA"},
		"protocol": {"tcp", "udp", "icmp", "icmpv6"},
		"fields":   record.FieldNames(),
		"group-by": record.FieldNames(),
	} {
		if err := cmd.RegisterFlagCompletionFunc(flag, completeList(values...)); err != nil {
			panic(err)
		}
	}
	return cmd
}

// filterTerm is one flag's contribution to the filter: its values become
// alternatives of one expression, checked on their own first so an error
// names the flag and the value.
type filterTerm struct {
	flag   string
	values []string
	term   func(v string) (string, error)
}

func addrTerm(side string) func(string) (string, error) {
	return func(v string) (string, error) {
		if strings.Contains(v, "/") {
			if _, err := netip.ParsePrefix(v); err != nil {
				return "", fmt.Errorf("not a CIDR prefix")
			}
			return strings.TrimSpace(side + " net " + v), nil
		}
		if _, err := netip.ParseAddr(v); err != nil {
			return "", fmt.Errorf("not an IP address or CIDR prefix")
		}
		return strings.TrimSpace(side + " host " + v), nil
	}
}

func portTerm(side string) func(string) (string, error) {
	return func(v string) (string, error) {
		return strings.TrimSpace(side + " port in (" + v + ")"), nil
	}
}

func wordTerm(keyword string, allowed ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		if len(allowed) > 0 {
			ok := false
			for _, a := range allowed {
				if strings.EqualFold(v, a) {
					ok = true
				}
			}
			if !ok {
				return "", fmt.Errorf("use one of %s", strings.Join(allowed, ", "))
			}
		}
		return keyword + " " + v, nil
	}
}

// buildFilter combines the filter flags and --where into one expression.
func buildFilter(opts *queryOptions, window source.Window) (*expr.Expr, error) {
	terms := []filterTerm{
		{"action", opts.actions, wordTerm("action", "ACCEPT", "REJECT", "accepted", "rejected")},
		{"status", opts.statuses, wordTerm("status", "OK", "NODATA", "SKIPDATA")},
		{"src", opts.srcs, addrTerm("src")},
		{"dst", opts.dsts, addrTerm("dst")},
		{"addr", opts.addrs, addrTerm("")},
		{"src-port", opts.srcPorts, portTerm("src")},
		{"dst-port", opts.dstPorts, portTerm("dst")},
		{"port", opts.ports, portTerm("")},
		{"protocol", opts.protocols, wordTerm("proto")},
		{"interface", opts.interfaces, wordTerm("interface")},
		{"account", opts.accounts, wordTerm("account")},
	}
	var parts []string
	for _, t := range terms {
		var alts []string
		for _, v := range t.values {
			v = strings.TrimSpace(v)
			src, err := t.term(v)
			if err == nil {
				_, err = expr.Compile(src)
			}
			if err != nil {
				return nil, usageErrorf("--%s %q: %s", t.flag, v, termMessage(err))
			}
			alts = append(alts, src)
		}
		if len(alts) > 0 {
			parts = append(parts, "("+strings.Join(alts, " or ")+")")
		}
	}
	// A record matches a time window when its [start, end] overlaps it.
	if !window.Since.IsZero() {
		parts = append(parts, "end >= "+strconv.FormatInt(window.Since.Unix(), 10))
	}
	if !window.Until.IsZero() {
		parts = append(parts, "start <= "+strconv.FormatInt(window.Until.Unix(), 10))
	}
	if strings.TrimSpace(opts.where) != "" {
		if _, err := expr.Compile(opts.where); err != nil {
			return nil, whereError(err)
		}
		parts = append(parts, "("+opts.where+")")
	}
	if len(parts) == 0 {
		return nil, nil
	}
	e, err := expr.Compile(strings.Join(parts, " and "))
	if err != nil {
		return nil, fmt.Errorf("combine filters: %w", err)
	}
	return e, nil
}

// termMessage is an expression error without its --where column, for a
// value that came from another flag.
func termMessage(err error) string {
	if se, ok := err.(*expr.SyntaxError); ok {
		return se.Msg
	}
	return err.Error()
}

func whereError(err error) error {
	se, ok := err.(*expr.SyntaxError)
	if !ok {
		return &UserError{Err: err, Code: ExitUsage}
	}
	return &UserError{Err: err, Code: ExitUsage, Detail: se.Caret(), Hint: "see 'flowlog help query-language' or docs/query-language.md"}
}

// parseWindow reads --since and --until.
func parseWindow(since, until string, now time.Time) (source.Window, error) {
	var w source.Window
	var err error
	if since != "" {
		if w.Since, err = timespec.Parse(since, now); err != nil {
			return w, usageErrorf("--since: %v", err)
		}
	}
	if until != "" {
		if w.Until, err = timespec.Parse(until, now); err != nil {
			return w, usageErrorf("--until: %v", err)
		}
	}
	if !w.Since.IsZero() && !w.Until.IsZero() && w.Until.Before(w.Since) {
		return w, usageErrorf("--until %s is before --since %s", w.Until.Format(time.RFC3339), w.Since.Format(time.RFC3339))
	}
	return w, nil
}

func queryRun(cmd *cobra.Command, f *Factory, opts *queryOptions, args []string) error {
	ctx := cmd.Context()
	window, err := parseWindow(opts.since, opts.until, f.Now())
	if err != nil {
		return err
	}
	filter, err := buildFilter(opts, window)
	if err != nil {
		return err
	}
	format, err := f.queryFormat(opts)
	if err != nil {
		return err
	}
	fields, err := parseFields(opts.fields)
	if err != nil {
		return err
	}
	if opts.top < 0 || opts.limit < 0 || opts.jobs < 0 {
		return usageErrorf("--top, --limit and --jobs take a number of zero or more")
	}
	if opts.groupBy == "" && (opts.top > 0 || opts.sort != "") {
		return usageErrorf("--top and --sort need --group-by")
	}
	if opts.count && opts.groupBy != "" {
		return usageErrorf("--count and --group-by cannot be combined: --group-by already counts flows per group")
	}
	if opts.follow && (opts.count || opts.groupBy != "" || opts.until != "") {
		return usageErrorf("--follow prints records as they arrive: it cannot be combined with --count, --group-by or --until")
	}
	if opts.follow && opts.interval < time.Second {
		return usageErrorf("--interval must be at least 1s")
	}

	sources, err := f.resolveSources(ctx, args, opts.flowLogs, sourceRules{})
	if err != nil {
		return err
	}
	var listed source.Stats
	inputs, err := sources.inputs(ctx, window, &listed)
	if err != nil {
		return err
	}
	q := &query.Query{Inputs: inputs, SkipInvalid: opts.skipInvalid, Workers: opts.jobs}
	if filter != nil {
		q.Filter = filter
	}
	if q.Workers == 0 && sources.remote {
		// Objects in a bucket wait on the network as much as on the CPU.
		q.Workers = max(8, 2*runtime.GOMAXPROCS(0))
	}
	bar := f.newProgress(len(inputs), opts.follow)
	q.Progress = bar.done

	var stats query.Stats
	switch {
	case opts.count:
		var n int64
		n, stats, err = q.Count(ctx)
		bar.finish()
		if err == nil {
			err = printCount(f, format, n)
		}
	case opts.groupBy != "":
		stats, err = runGroupBy(cmd, f, q, opts, format, bar)
	default:
		stats, err = runPrint(cmd, f, q, format, fields, opts, sources, bar)
	}
	if stats.Skipped > 0 {
		fmt.Fprintf(f.IO.ErrOut, "flowlog: skipped %s malformed %s\n", humanize.Comma(stats.Skipped), pluralWord(stats.Skipped, "line"))
	}
	if opts.stats {
		printStats(f, stats, listed)
	}
	return err
}

func pluralWord(n int64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// queryFormat resolves -o for records: a table for people, raw lines for
// pipes, so that '| awk' keeps working. Groups and counts have no raw form.
func (f *Factory) queryFormat(opts *queryOptions) (output.Format, error) {
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	aggregate := opts.groupBy != "" || opts.count
	if cfg.Output == "" {
		if f.IO.IsStdoutTTY() || aggregate {
			return output.Table, nil
		}
		return output.Raw, nil
	}
	allowed := append([]output.Format{output.Raw}, output.Formats...)
	if aggregate {
		allowed = output.Formats
	}
	format, err := output.ParseFormat(cfg.Output, allowed...)
	if err != nil {
		return "", usageErrorf("-o: %v", err)
	}
	return format, nil
}

func parseFields(spec string) ([]record.Field, error) {
	if strings.TrimSpace(spec) == "" {
		fields := make([]record.Field, record.NumFields)
		for i := range fields {
			fields[i] = record.Field(i)
		}
		return fields, nil
	}
	var fields []record.Field
	for _, name := range strings.Split(spec, ",") {
		name = strings.TrimSpace(name)
		fd, ok := record.FieldByName(strings.ToLower(name))
		if !ok {
			return nil, usageErrorf("--fields: unknown field %q: use %s", name, strings.Join(record.FieldNames(), ", "))
		}
		fields = append(fields, fd)
	}
	return fields, nil
}

// runPrint prints matching records; with --follow it then keeps polling
// the sources for new objects and prints theirs, until interrupted.
func runPrint(cmd *cobra.Command, f *Factory, q *query.Query, format output.Format, fields []record.Field, opts *queryOptions, sources *sourceSet, bar *progress) (query.Stats, error) {
	ctx := cmd.Context()
	need, newEncode, write, flush, closeOut, err := recordPrinter(f, format, fields)
	if err != nil {
		return query.Stats{}, err
	}
	stats, err := q.Print(ctx, need, newEncode, write, opts.limit)
	bar.finish()
	if err == nil && opts.follow {
		if err = flush(); err == nil {
			err = follow(ctx, f, q, sources, opts, &stats, func(q *query.Query) (query.Stats, error) {
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
func recordPrinter(f *Factory, format output.Format, fields []record.Field) (need record.FieldSet, newEncode query.NewEncode, write func([]byte) error, flush, finish func() error, err error) {
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
	columns := make([]string, len(fields))
	for i, fd := range fields {
		columns[i] = fd.String()
		need = need.With(fd)
	}
	stream, err := output.NewStream(format, f.IO.Out, columns, output.Options{})
	if err != nil {
		return 0, nil, nil, nil, nil, err
	}
	newEncode = func() query.Encode {
		enc := stream.Encoder()
		row := make([]output.Value, len(fields))
		var addrs [2][]byte
		return func(dst []byte, r *record.Record) []byte {
			recordRow(row, r, fields, &addrs)
			return enc.Append(dst, row)
		}
	}
	return need, newEncode, stream.Write, stream.Flush, stream.Close, nil
}

// recordRow fills row with the values of fields of r. addrs is scratch
// space for the text of the two addresses.
func recordRow(row []output.Value, r *record.Record, fields []record.Field, addrs *[2][]byte) {
	for i, fd := range fields {
		if !r.Has(fd) {
			row[i] = output.Value{}
			continue
		}
		switch fd {
		case record.Version:
			row[i] = output.Bytes(r.Version)
		case record.AccountID:
			row[i] = output.Bytes(r.AccountID)
		case record.InterfaceID:
			row[i] = output.Bytes(r.InterfaceID)
		case record.SrcAddr:
			addrs[0] = r.SrcAddr.AppendTo(addrs[0][:0])
			row[i] = output.Bytes(addrs[0])
		case record.DstAddr:
			addrs[1] = r.DstAddr.AppendTo(addrs[1][:0])
			row[i] = output.Bytes(addrs[1])
		case record.Start:
			row[i] = output.UnixValue(r.Start)
		case record.End:
			row[i] = output.UnixValue(r.End)
		case record.ActionField:
			row[i] = output.Str(r.Action.String())
		case record.LogStatus:
			row[i] = output.Str(r.Status.String())
		default:
			u, _ := r.Uint(fd)
			row[i] = output.UintValue(u)
		}
	}
}

func printCount(f *Factory, format output.Format, n int64) error {
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

func runGroupBy(cmd *cobra.Command, f *Factory, q *query.Query, opts *queryOptions, format output.Format, bar *progress) (query.Stats, error) {
	keys, err := query.ParseGroupKeys(opts.groupBy)
	if err != nil {
		return query.Stats{}, usageErrorf("--group-by: %v", err)
	}
	sortBy := query.SortFlows
	switch strings.ToLower(opts.sort) {
	case "", "flows":
	case "packets":
		sortBy = query.SortPackets
	case "bytes":
		sortBy = query.SortBytes
	default:
		return query.Stats{}, usageErrorf("--sort %q: use flows, packets or bytes", opts.sort)
	}
	top := opts.top
	if opts.limit > 0 && (top == 0 || int(opts.limit) < top) {
		top = int(opts.limit)
	}
	groups, stats, err := q.Aggregate(cmd.Context(), keys, sortBy, top)
	bar.finish()
	if err != nil {
		return stats, err
	}
	var columns []string
	for _, k := range keys {
		columns = append(columns, k.Name())
	}
	columns = append(columns, "flows", "packets", "bytes", "first_start", "last_end")
	w, err := output.NewWriter(format, f.IO.Out, columns, output.Options{})
	if err != nil {
		return stats, err
	}
	row := make([]output.Value, len(columns))
	for _, g := range groups {
		for i, kv := range g.Key {
			row[i] = groupKeyValue(keys[i], kv)
		}
		n := len(keys)
		row[n] = output.UintValue(g.Flows)
		row[n+1] = output.UintValue(g.Packets)
		row[n+2] = output.UintValue(g.Bytes)
		row[n+3], row[n+4] = output.Value{}, output.Value{}
		if g.FirstStart != 0 {
			row[n+3] = output.UnixValue(g.FirstStart)
		}
		if g.LastEnd != 0 {
			row[n+4] = output.UnixValue(g.LastEnd)
		}
		if err := w.Write(row); err != nil {
			return stats, err
		}
	}
	return stats, w.Close()
}

func groupKeyValue(k query.GroupKey, kv query.KeyValue) output.Value {
	if !kv.Present {
		return output.Value{}
	}
	if k.Field.Numeric() && k.Field != record.Start && k.Field != record.End {
		return output.UintValue(kv.Num)
	}
	if k.Field == record.Start || k.Field == record.End {
		return output.UnixValue(int64(kv.Num))
	}
	return output.Str(kv.String())
}

func printStats(f *Factory, s query.Stats, listed source.Stats) {
	secs := s.Elapsed.Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(s.Records) / secs
	}
	fmt.Fprintf(f.IO.ErrOut,
		"objects: listed %d, skipped %d by time, read %d  bytes: %s  records: %s  matched: %s  skipped: %s  elapsed: %s  rate: %s records/s\n",
		listed.Listed, listed.Skipped, s.Sources, humanize.IBytes(uint64(s.BytesRead)), humanize.Comma(s.Records), humanize.Comma(s.Matched),
		humanize.Comma(s.Skipped), s.Elapsed.Round(time.Millisecond), humanize.Comma(int64(rate)))
}
