package cli

import (
	"fmt"
	"os"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/fetch"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/source"
)

type fetchOptions struct {
	to           string
	since, until string
	decompress   bool
	jobs         int
	flowLogs     []string
}

func newFetchCmd(f *Factory) *cobra.Command {
	opts := &fetchOptions{}
	cmd := &cobra.Command{
		Use:   "fetch [SOURCE...] --to DIR [--flowlog NAME] [--since T] [--until T]",
		Short: "Download flow log objects, keeping their key layout",
		Long: `Download the objects of s3://BUCKET[/PREFIX] sources, or of configured flow
logs (--flowlog), into DIR, keeping their key layout: s3://b/web/x-1.log.gz
becomes DIR/web/x-1.log.gz. --since and --until download only the objects
that can hold records of that time.

Each object is written to a temporary file and renamed into place only when
it is complete and its size (and MD5, where the server's ETag is one) match.
Objects already present and identical are skipped, so a fetch that was
interrupted finishes the job when run again. A key that would land outside
DIR (.., an absolute path, empty segments) is refused and reported, never
written.`,
		Example: `  flowlog fetch s3://my-logs/web --to ./logs --since 24h
  flowlog fetch --flowlog web-ingress --to ./logs --decompress`,
		GroupID: "records",
		RunE: func(cmd *cobra.Command, args []string) error {
			return fetchRun(cmd, f, opts, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.to, "to", "", "download into folder `DIR` (created if missing)")
	fl.StringVar(&opts.since, "since", "", "only objects that can hold records at or after `TIME`")
	fl.StringVar(&opts.until, "until", "", "only objects that can hold records at or before `TIME`")
	fl.BoolVar(&opts.decompress, "decompress", false, "write the records uncompressed (x.log.gz becomes x.log)")
	fl.IntVarP(&opts.jobs, "jobs", "j", 4, "download `N` objects at once")
	fl.StringArrayVar(&opts.flowLogs, "flowlog", nil, "download the objects of a configured flow log, by `NAME|ID` (repeatable)")
	cmd.RegisterFlagCompletionFunc("flowlog", completeFlowLogs(f))
	cmd.MarkFlagDirname("to")
	return cmd
}

func fetchRun(cmd *cobra.Command, f *Factory, opts *fetchOptions, args []string) error {
	ctx := cmd.Context()
	if opts.to == "" {
		return usageErrorf("--to is required: the folder to download into")
	}
	if opts.jobs < 1 {
		return usageErrorf("--jobs must be at least 1")
	}
	if len(args) == 0 && len(opts.flowLogs) == 0 {
		return usageErrorf("name what to fetch: s3://BUCKET[/PREFIX] or --flowlog NAME")
	}
	for _, a := range args {
		if a == "-" {
			return usageErrorf("fetch downloads objects; standard input has none")
		}
	}
	window, err := parseWindow(opts.since, opts.until, f.Now())
	if err != nil {
		return err
	}
	sources, err := f.resolveSources(ctx, args, opts.flowLogs)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(opts.to, 0o755); err != nil {
		return fmt.Errorf("--to %s: %w", opts.to, err)
	}
	dst, err := local.New(opts.to)
	if err != nil {
		return err
	}

	var jobs []fetch.Job
	var listed source.Stats
	for _, item := range sources.items {
		if item.location == nil {
			return usageErrorf("%s: fetch downloads from buckets and folders, not single files", item.input.Name)
		}
		objs, err := source.List(ctx, *item.location, window, &listed)
		if err != nil {
			return err
		}
		for _, o := range objs {
			jobs = append(jobs, fetch.Job{Store: item.location.Store, Object: o})
		}
	}

	bar := f.newProgress(len(jobs), false)
	stats, err := fetch.Run(ctx, dst, jobs, fetch.Options{
		Decompress: opts.decompress,
		Parallel:   opts.jobs,
		Done:       func() { bar.done(0) },
		Refused:    func(err *fetch.RefusedKeyError) { fmt.Fprintf(f.IO.ErrOut, "flowlog: %v\n", err) },
	})
	bar.finish()

	fmt.Fprintf(f.IO.ErrOut, "fetched %d objects (%s), %d already present, %d refused, into %s\n",
		stats.Fetched, humanize.IBytes(uint64(stats.Bytes)), stats.Present, stats.Refused, opts.to)
	if err := ctx.Err(); err != nil {
		return err // interrupted: what is fetched is complete, the rest is not there
	}
	if err != nil {
		return withHint(err, "run the same fetch again to finish: complete objects are kept and skipped")
	}
	if n := stats.Refused; n > 0 {
		return fmt.Errorf("%d %s refused: see above", n, pluralWord(n, "key"))
	}
	return nil
}
