// Package export is 'flowlog export': convert flow log objects into
// Parquet in Hive partitions, for DuckDB, Trino, Athena and Spark.
package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/export"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/record"
)

// Options are the parsed flags and arguments of 'flowlog export'.
type Options struct {
	Factory *cmdutil.Factory

	Sources      []string // SOURCE...
	FlowLogs     []string // --flowlog
	To           string
	Since, Until string
	SkipInvalid  bool
	BatchRecords int    // hidden --batch-records: records a batch converts before it commits
	DDL          string // --ddl DIALECT: print the table definition instead
}

// NewCmdExport builds the command; runF, when not nil, runs instead of
// exportRun.
func NewCmdExport(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "export [SOURCE...] --to DIR|s3://BUCKET[/PREFIX] [--flowlog NAME] [--since T] [--until T]",
		Short: "Convert flow log objects into Parquet for DuckDB, Trino, Athena and Spark",
		Long: `Convert the flow log objects of s3://BUCKET[/PREFIX] sources, folders, or
configured flow logs (--flowlog) into Parquet files under --to, a folder or
s3://BUCKET[/PREFIX], in Hive partitions by flow log and UTC hour of the
record's start:

  flowlog=web01/date=2026-11-24/hour=13/part-<batch>-<n>.parquet

Columns are typed (ports, protocol, packets, bytes, start and end are
integers; "-" is NULL), files are zstd-compressed, rows sorted by start, and
row groups carry min/max statistics, so engines skip by time and verdict.
srcaddr_bin and dstaddr_bin hold each address as 16 bytes (IPv4 as
::ffff:a.b.c.d), so a CIDR filter is a byte range. See docs/export.md.

Run it again to convert what is new: a manifest under _flowlog_export/ in
the target lists the objects converted, and only others are read. Each file
is written whole or not at all; a run that was interrupted is undone by the
next one (its files are removed) and its objects converted again, so no
record is ever written twice. 'flowlog query' reads the result back.

One export at a time writes into a target: a lock under _flowlog_export/
makes a second one (a cron job that overran) stop with exit code 4, naming
the one running. A lock whose export is gone (its process ended on this
machine, or no refresh for 5 minutes) is taken over.`,
		Example: `  flowlog export s3://my-logs/web --to ./lake
  flowlog export --flowlog web01 --to s3://my-lake/flowlogs --since 7d
  flowlog query ./lake --since 2026-11-24T13:00:00Z --until 2026-11-24T14:00:00Z --action REJECT --count`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sources = args
			if opts.DDL != "" {
				return ddlRun(opts)
			}
			switch {
			case opts.To == "":
				return cmdutil.UsageErrorf("--to is required: the folder or s3://BUCKET[/PREFIX] to write Parquet into")
			case len(opts.Sources) == 0 && len(opts.FlowLogs) == 0:
				return cmdutil.UsageErrorf("name what to export: s3://BUCKET[/PREFIX], a folder, or --flowlog NAME")
			}
			if runF != nil {
				return runF(opts)
			}
			return exportRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "write Parquet into folder `DIR` or s3://BUCKET[/PREFIX]")
	fl.StringVar(&opts.Since, "since", "", "only objects that can hold records at or after `TIME`")
	fl.StringVar(&opts.Until, "until", "", "only objects that can hold records at or before `TIME`")
	fl.BoolVar(&opts.SkipInvalid, "skip-invalid", false, "skip and count malformed lines instead of failing")
	cmdutil.RepeatedVar(fl, &opts.FlowLogs, "flowlog", "export the objects of a configured flow log, by `NAME|ID` (repeatable)")
	fl.IntVar(&opts.BatchRecords, "batch-records", 0, "commit to the manifest after about `N` records (default 1048576)")
	fl.MarkHidden("batch-records") // for tests that interrupt an export between batches
	fl.StringVar(&opts.DDL, "ddl", "", "print the definition of a table over the export at --to, in `DIALECT`: duckdb, trino, athena or spark, instead of exporting")
	cmd.RegisterFlagCompletionFunc("flowlog", cmdutil.CompleteFlowLogs(f))
	cmd.MarkFlagDirname("to")
	return cmd
}

func exportRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	window, err := cmdutil.ParseWindow(opts.Since, opts.Until, f.Now())
	if err != nil {
		return err
	}
	sources, err := cmdutil.ResolveSources(ctx, f, opts.Sources, opts.FlowLogs, cmdutil.SourceRules{ObjectsOnly: "export converts objects"})
	if err != nil {
		return err
	}
	target, err := resolveTarget(ctx, f, opts.To)
	if err != nil {
		return err
	}

	var bar *cmdutil.Progress
	stats, err := export.Run(ctx, target, sources.ObjectSets(), export.Options{
		Window:      window,
		SkipInvalid: opts.SkipInvalid,
		CommitRows:  opts.BatchRecords,
		MaxRows:     min(opts.BatchRecords, 1<<18),
		Listed:      func(n int) { bar = cmdutil.NewProgress(f.IO, n, false) },
		Done:        func() { bar.Done(0) },
	})
	if bar != nil {
		bar.Finish()
	}
	var busy *export.BusyError
	if errors.As(err, &busy) {
		return &cmdutil.UserError{Err: err, Code: cmdutil.ExitRule}
	}
	if stats.TookOver != "" {
		fmt.Fprintf(f.IO.ErrOut, "took over the lock of an export that is gone (%s)\n", stats.TookOver)
	}
	if stats.Undone > 0 {
		fmt.Fprintf(f.IO.ErrOut, "removed %s of an interrupted export\n", output.Count(stats.Undone, "file"))
	}
	fmt.Fprintf(f.IO.ErrOut, "converted %s (%s records) into %s (%s), %d already converted, into %s\n",
		output.Count(stats.Converted, "object"), output.Thousands(stats.Records), output.Count(stats.Files, "file"),
		output.BinarySizeText(uint64(stats.Bytes)), stats.Present, target)
	if stats.Skipped > 0 {
		fmt.Fprintf(f.IO.ErrOut, "flowlog: skipped %s malformed %s\n", output.Thousands(stats.Skipped), output.Plural(stats.Skipped, "line"))
	}
	if stats.Changed > 0 {
		fmt.Fprintf(f.IO.ErrOut, "flowlog: %s changed since they were converted (size or ETag); left as converted\n", output.Count(stats.Changed, "object"))
	}
	if stats.Unnamed > 0 {
		fmt.Fprintf(f.IO.ErrOut, "flowlog: skipped %s whose key names no flow log, such as %s\n",
			output.Count(stats.Unnamed, "object"), stats.UnnamedExample)
	}
	if stats.Dropped != 0 {
		fmt.Fprintf(f.IO.ErrOut, "flowlog: %s had fields the Parquet files have no column for, left out: %s\n",
			output.Count(stats.DroppedObjects, "object"), fieldNames(stats.Dropped))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err != nil {
		return cmdutil.WithHint(err, "run the same export again: it undoes the unfinished batch and converts its objects again")
	}
	if stats.Unnamed > 0 && stats.Converted == 0 && stats.Present == 0 {
		return &cmdutil.UserError{
			Err:    fmt.Errorf("nothing to export: no object's key names a flow log (%s, such as %s)", output.Count(stats.Unnamed, "object"), stats.UnnamedExample),
			Code:   cmdutil.ExitError,
			Advice: "export reads the service's <name>-<unix seconds>.log.gz and AWS's <account>_vpcflowlogs_<region>_<fl-id>_<time>_<hash>.log.gz (also as .log); rename other files so",
		}
	}
	return nil
}

// fieldNames lists the fields of a set, in flowlog's spelling.
func fieldNames(fs record.FieldSet) string {
	var names []string
	for f := range record.Field(record.NumKnownFields) {
		if fs.Has(f) {
			names = append(names, f.String())
		}
	}
	return strings.Join(names, ", ")
}

// resolveTarget is the store and folder --to names; a folder is created
// when missing.
func resolveTarget(ctx context.Context, f *cmdutil.Factory, to string) (*export.Target, error) {
	if strings.HasPrefix(to, "s3://") {
		bucket, prefix, err := s3store.ParseURL(to)
		if err != nil {
			return nil, cmdutil.UsageErrorf("--to %s: %v", to, err)
		}
		store, err := f.Store(ctx, bucket)
		if err != nil {
			return nil, err
		}
		return &export.Target{Store: store, Prefix: strings.Trim(prefix, "/")}, nil
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		return nil, fmt.Errorf("--to %s: %w", to, err)
	}
	store, err := local.New(to)
	if err != nil {
		return nil, err
	}
	return &export.Target{Store: store}, nil
}
