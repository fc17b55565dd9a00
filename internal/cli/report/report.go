// Package report is 'flowlog report': one self-contained HTML page with
// charts and tables about the records of some sources.
package report

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/report"
	"github.com/flowlog/flowlog/internal/source"
)

// Options are the parsed flags and arguments of 'flowlog report'.
type Options struct {
	Factory *cmdutil.Factory
	Version string // flowlog's, named in the page

	Spec         query.Spec // the filters
	Since, Until string
	Out          string // the HTML file, or - for standard output
	TZ           string // the zone times are shown in
	Top          int
	SkipInvalid  bool
	Jobs         int
	Memory       cmdutil.ByteSize
	FlowLogs     []string // --flowlog
	MMDB         []string // --mmdb
	Sources      []string // SOURCE...
}

// NewCmdReport builds the command; runF, when not nil, runs instead of
// reportRun.
func NewCmdReport(f *cmdutil.Factory, version string, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f, Version: version}
	cmd := &cobra.Command{
		Use:   "report [SOURCE...] --out FILE",
		Short: "Write an HTML report with charts of flow log records",
		Long: `Read flow log records, as query does, and write one HTML page about them:
traffic over time (bytes and flows per interval, accepted and rejected, IPv4
and IPv6), top sources, destinations and conversations, top rejected
destination ports, protocols, scanners (as 'flowlog scans' finds them, with
its default thresholds), and gaps (NODATA and SKIPDATA records, and 10-minute
windows without an object per flow log). With labels in the config file
(labels:) it ranks sources and destinations by label, and with a MaxMind
database (--mmdb, or mmdb: in the config file) by autonomous system.

The page is a single file with its charts drawn as inline SVG: it loads
nothing from the network, opens offline in any browser, prints on A4 and can
be mailed or attached to a ticket. Every chart has a text description and a
table of its numbers, and names the 'flowlog query' (or 'flowlog scans')
flags that print them.

SOURCE and the filter flags are those of 'flowlog query'. The whole report
is computed in one pass over the records. A record counts in the interval
where it starts; the interval is chosen to give at most 200 points.`,
		Example: `  flowlog report ./logs --out report.html
  flowlog report s3://my-logs/web/ --since 24h --tz Europe/Berlin --out web.html
  flowlog report --flowlog web01 --action REJECT --since 7d --out rejected.html`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sources = args
			if opts.Out == "" {
				return cmdutil.UsageErrorf("--out is required: the HTML file to write, or - for standard output")
			}
			if opts.Top < 1 {
				return cmdutil.UsageErrorf("--top takes a number of 1 or more")
			}
			if opts.Jobs < 0 {
				return cmdutil.UsageErrorf("--jobs takes a number of zero or more")
			}
			if runF != nil {
				return runF(opts)
			}
			return reportRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddFilterFlags(cmd, &opts.Spec)
	fl := cmd.Flags()
	fl.StringVar(&opts.Since, "since", "", "records ending at or after `TIME`: RFC 3339, unix seconds, or a duration back (90m, 6h, 7d)")
	fl.StringVar(&opts.Until, "until", "", "records starting at or before `TIME`")
	fl.StringVar(&opts.Out, "out", "", "write the report to `FILE` (- for standard output)")
	fl.StringVar(&opts.TZ, "tz", "", "show times in `ZONE` (Europe/Berlin, +02:00, Local; default UTC)")
	fl.IntVar(&opts.Top, "top", report.DefaultTop, "rows in each top list (`N`)")
	fl.BoolVar(&opts.SkipInvalid, "skip-invalid", false, "skip and count malformed lines instead of failing")
	fl.IntVarP(&opts.Jobs, "jobs", "j", 0, "read `N` sources at once (default: one per CPU for files, 64 for a bucket; parsed on at most one worker per CPU)")
	cmdutil.RepeatedVar(fl, &opts.FlowLogs, "flowlog", "read the objects of a configured flow log, by `NAME|ID` (repeatable)")
	cmdutil.AddMMDBFlag(cmd, &opts.MMDB)
	cmdutil.AddMemoryFlag(cmd, &opts.Memory)
	cmd.RegisterFlagCompletionFunc("flowlog", cmdutil.CompleteFlowLogs(f))
	return cmd
}

func reportRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	loc, err := cmdutil.ParseZone(opts.TZ)
	if err != nil {
		return err
	}
	window, err := cmdutil.ParseWindow(opts.Since, opts.Until, f.Now())
	if err != nil {
		return err
	}
	names, err := cmdutil.AddrNames(f, opts.MMDB)
	if err != nil {
		return err
	}
	defer names.Close()
	opts.Spec.Names = names
	// The filters as the page names them: without the window, which it
	// names on its own line.
	shown, err := opts.Spec.Plan()
	if err != nil {
		return err
	}
	spec := opts.Spec
	spec.Since, spec.Until = window.Since, window.Until
	plan, err := spec.Plan()
	if err != nil {
		return err
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
	// them, for the CPU (as query does).
	q := &query.Query{Inputs: inputs, SkipInvalid: opts.SkipInvalid, InFlight: sources.InFlight()}
	if opts.Jobs > 0 {
		q.InFlight = opts.Jobs
		q.Workers = min(opts.Jobs, runtime.GOMAXPROCS(0))
	}
	if plan.Filter != nil {
		q.Filter = plan.Filter
	}
	q.Memory = cmdutil.MemoryBudget(opts.Memory)
	bar := cmdutil.NewProgress(f.IO, len(inputs), false)
	q.Progress = bar.Done
	rep, err := report.Build(ctx, q, report.Options{Since: window.Since, Until: window.Until, Top: opts.Top, Names: names})
	bar.Finish()
	if err != nil {
		return err
	}
	if rep.Header.Skipped > 0 {
		fmt.Fprintf(f.IO.ErrOut, "flowlog: skipped %s malformed %s\n", output.Thousands(rep.Header.Skipped), output.Plural(rep.Header.Skipped, "line"))
	}
	rep.Header.Version = opts.Version
	rep.Header.Sources = sourceNames(opts)
	if shown.Filter != nil {
		rep.Header.Filters = shown.Filter.String()
	}
	rep.Header.Location = loc
	rep.Header.Generated = f.Now().UTC()

	var page bytes.Buffer
	if err := report.Render(&page, rep); err != nil {
		return fmt.Errorf("render the report: %w", err)
	}
	if opts.Out == "-" {
		_, err := f.IO.Out.Write(page.Bytes())
		return err
	}
	dir, name := filepath.Split(opts.Out)
	if dir == "" {
		dir = "."
	}
	store, err := local.New(dir)
	if err != nil {
		return &cmdutil.UserError{Err: fmt.Errorf("--out %s: %w", opts.Out, err), Code: cmdutil.ExitNotFound}
	}
	size := page.Len()
	if err := store.Write(ctx, name, &page, nil); err != nil {
		return fmt.Errorf("write %s: %w", opts.Out, err)
	}
	fmt.Fprintf(f.IO.ErrOut, "wrote %s (%s): %s flows in %s\n", opts.Out, output.SizeText(uint64(size)),
		output.Thousands(int64(rep.Totals.Accepted.Flows+rep.Totals.Rejected.Flows)), output.Count(rep.Header.Objects, "source"))
	return nil
}

// sourceNames are the sources as the user named them.
func sourceNames(opts *Options) []string {
	names := append([]string(nil), opts.Sources...)
	for _, fl := range opts.FlowLogs {
		names = append(names, "--flowlog "+fl)
	}
	switch {
	case len(names) > 0:
	case opts.Factory.IO.IsStdinPiped():
		names = []string{"standard input"}
	default:
		names = []string{"every configured flow log"}
	}
	return names
}
