// Package fetch is 'flowlog fetch': download flow log objects into a
// folder, keeping their key layout.
package fetch

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/fetch"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/source"
)

// Options are the parsed flags and arguments of 'flowlog fetch'.
type Options struct {
	Factory *cmdutil.Factory

	Sources      []string // SOURCE...
	FlowLogs     []string // --flowlog
	To           string
	Since, Until string
	Decompress   bool
	Jobs         int
}

// NewCmdFetch builds the command; runF, when not nil, runs instead of
// fetchRun.
func NewCmdFetch(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
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
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sources = args
			switch {
			case opts.To == "":
				return cmdutil.UsageErrorf("--to is required: the folder to download into")
			case opts.Jobs < 0:
				return cmdutil.UsageErrorf("--jobs takes a number of zero or more")
			case len(opts.Sources) == 0 && len(opts.FlowLogs) == 0:
				return cmdutil.UsageErrorf("name what to fetch: s3://BUCKET[/PREFIX] or --flowlog NAME")
			}
			if runF != nil {
				return runF(opts)
			}
			return fetchRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "download into folder `DIR` (created if missing)")
	fl.StringVar(&opts.Since, "since", "", "only objects that can hold records at or after `TIME`")
	fl.StringVar(&opts.Until, "until", "", "only objects that can hold records at or before `TIME`")
	fl.BoolVar(&opts.Decompress, "decompress", false, "write the records uncompressed (x.log.gz becomes x.log)")
	fl.IntVarP(&opts.Jobs, "jobs", "j", 0, "download `N` objects at once (default: 64 from a bucket, 4 from a folder)")
	cmdutil.RepeatedVar(fl, &opts.FlowLogs, "flowlog", "download the objects of a configured flow log, by `NAME|ID` (repeatable)")
	cmd.RegisterFlagCompletionFunc("flowlog", cmdutil.CompleteFlowLogs(f))
	cmd.MarkFlagDirname("to")
	return cmd
}

func fetchRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	window, err := cmdutil.ParseWindow(opts.Since, opts.Until, f.Now())
	if err != nil {
		return err
	}
	sources, err := cmdutil.ResolveSources(ctx, f, opts.Sources, opts.FlowLogs, cmdutil.SourceRules{ObjectsOnly: "fetch downloads objects"})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(opts.To, 0o755); err != nil {
		return fmt.Errorf("--to %s: %w", opts.To, err)
	}
	dst, err := local.New(opts.To)
	if err != nil {
		return err
	}

	var jobs []fetch.Job
	var listed source.Stats
	for _, objs := range sources.ObjectSets() {
		found, err := source.List(ctx, objs, window, &listed)
		if err != nil {
			return err
		}
		for _, o := range found {
			jobs = append(jobs, fetch.Job{Store: objs.Store, Object: o})
		}
	}

	parallel := opts.Jobs
	if parallel == 0 {
		parallel = max(sources.InFlight(), 4)
	}
	bar := cmdutil.NewProgress(f.IO, len(jobs), false)
	stats, err := fetch.Run(ctx, dst, jobs, fetch.Options{
		Decompress: opts.Decompress,
		Parallel:   parallel,
		Done:       func() { bar.Done(0) },
		Refused:    func(err *fetch.RefusedKeyError) { fmt.Fprintf(f.IO.ErrOut, "flowlog: %v\n", err) },
	})
	bar.Finish()

	fmt.Fprintf(f.IO.ErrOut, "fetched %d objects (%s), %d already present, %d refused, into %s\n",
		stats.Fetched, output.BinarySizeText(uint64(stats.Bytes)), stats.Present, stats.Refused, opts.To)
	if net := f.Transfers(); net.Retries.Load() > 0 {
		// A bad network is worth knowing about even when it was survived.
		fmt.Fprintf(f.IO.ErrOut, "retried %s after network errors; %s resumed where reads stopped\n",
			output.Count(int(net.Retries.Load()), "time"), output.BinarySizeText(uint64(net.ResumedBytes.Load())))
	}
	if err := ctx.Err(); err != nil {
		return err // interrupted: what is fetched is complete, the rest is not there
	}
	if err != nil {
		return cmdutil.WithHint(err, "run the same fetch again to finish: complete objects are kept and skipped")
	}
	if n := stats.Refused; n > 0 {
		return fmt.Errorf("%d %s refused: see above", n, output.Plural(n, "key"))
	}
	return nil
}
