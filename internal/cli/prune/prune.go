// Package prune is 'flowlog prune': delete flow log objects older than an
// age, from buckets and folders.
package prune

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/prune"
	"github.com/flowlog/flowlog/internal/timespec"
)

// Options are the parsed flags and arguments of 'flowlog prune'.
type Options struct {
	Factory *cmdutil.Factory

	Sources   []string // SOURCE...
	FlowLogs  []string // --flowlog
	Name      string
	OlderThan string
	DryRun    bool
	Yes       bool
}

// NewCmdPrune builds the command; runF, when not nil, runs instead of
// pruneRun.
func NewCmdPrune(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "prune (--flowlog NAME... | SOURCE... [--name NAME]) --older-than AGE [--dry-run]",
		Short: "Delete flow log objects older than a given age",
		Long: `Delete the objects of a configured flow log (--flowlog), or every flow log
object under s3://BUCKET[/PREFIX] or in a local folder (SOURCE), whose key
time is older than AGE: a duration back from now (30d, 12h, 2w, 1w2d) or a
time (2026-01-01, RFC 3339). --name limits a SOURCE to one flow log's
objects, for flow logs that are no longer configured.

Only keys the service writes, [PREFIX/]NAME-UNIXSECONDS.log.gz, are ever
deleted; anything else in the bucket is left alone. --dry-run lists what
would go and deletes nothing. Otherwise flowlog shows how many objects, how
much data and which time span would go, and asks on a terminal; elsewhere it
needs --yes. Objects are deleted in batches of up to 1000 keys a request.

To have the storage expire objects by itself, see 'flowlog retention'.`,
		Example: `  flowlog prune --flowlog web-ingress --older-than 90d --dry-run
  flowlog prune s3://my-logs/web --older-than 2w --yes
  flowlog prune ./logs --older-than 30d`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sources = args
			if runF != nil {
				return runF(opts)
			}
			return pruneRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	cmdutil.RepeatedVar(fl, &opts.FlowLogs, "flowlog", "prune the objects of a configured flow log, by `NAME|ID` (repeatable)")
	fl.StringVar(&opts.Name, "name", "", "with SOURCE: only the objects of the flow log named `NAME`")
	fl.StringVar(&opts.OlderThan, "older-than", "", "delete objects whose key time is older than `AGE` (30d, 12h, 2w, or a time)")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "list what would be deleted; delete nothing")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "delete without asking")
	cmd.RegisterFlagCompletionFunc("flowlog", cmdutil.CompleteFlowLogs(f))
	return cmd
}

// parseOlderThan turns --older-than into the cutoff time.
func parseOlderThan(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, cmdutil.UsageErrorf("--older-than is required: how old objects must be to go (30d, 12h, 2w, or a time)")
	}
	if strings.Trim(s, "0123456789") == "" {
		// timespec.Parse reads plain digits as unix seconds; here they
		// are more likely days without their unit.
		return time.Time{}, cmdutil.UsageErrorf("--older-than %s: give a unit, as in %sd for days", s, s)
	}
	t, err := timespec.Parse(s, now)
	if err != nil {
		return time.Time{}, cmdutil.UsageErrorf("--older-than: %v", err)
	}
	if t.After(now) {
		return time.Time{}, cmdutil.UsageErrorf("--older-than %s is in the future: it would delete every object", s)
	}
	return t, nil
}

func pruneRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	cutoff, err := parseOlderThan(opts.OlderThan, f.Now())
	if err != nil {
		return err
	}
	switch {
	case len(opts.FlowLogs) > 0 && opts.Name != "":
		return cmdutil.UsageErrorf("--name goes with SOURCE; --flowlog already names the flow log")
	case len(opts.FlowLogs) == 0 && len(opts.Sources) == 0:
		return cmdutil.UsageErrorf("name what to prune: --flowlog NAME, s3://BUCKET[/PREFIX] or a folder")
	case opts.Name != "":
		if err := flowlog.ValidateName(opts.Name); err != nil {
			return err
		}
	}
	sources, err := cmdutil.ResolveSources(ctx, f, opts.Sources, opts.FlowLogs, cmdutil.SourceRules{ObjectsOnly: "prune deletes objects", Name: opts.Name})
	if err != nil {
		return err
	}
	format, err := cmdutil.OutputFormat(f, output.Table, output.Formats...)
	if err != nil {
		return err
	}
	w := f.IO.ErrOut
	cutoffText := cutoff.UTC().Format(time.RFC3339)
	var plans []*prune.Plan
	var wheres []string
	n, size := 0, int64(0)
	for _, objs := range sources.ObjectSets() {
		plan, err := prune.Select(ctx, objs, cutoff)
		if err != nil {
			return err
		}
		where := objs.String()
		if len(plan.Objects) == 0 {
			fmt.Fprintf(w, "nothing to prune: no flow log object in %s is older than %s\n", where, cutoffText)
		} else {
			fmt.Fprintf(w, "%s: %s (%s) older than %s, written from %s to %s\n", where,
				output.Count(len(plan.Objects), "object"), output.BinarySizeText(uint64(plan.Bytes)), cutoffText,
				plan.Oldest.UTC().Format(time.RFC3339), plan.Newest.UTC().Format(time.RFC3339))
			plans = append(plans, plan)
			wheres = append(wheres, where)
			n += len(plan.Objects)
			size += plan.Bytes
		}
		printLeftAlone(f, plan, objs.Name != "")
	}
	if n == 0 {
		return nil
	}
	if opts.DryRun {
		var all []prune.Object
		for _, plan := range plans {
			all = append(all, plan.Objects...)
		}
		if err := printPruneObjects(f, format, all); err != nil {
			return err
		}
		fmt.Fprintf(w, "dry run: would delete %s (%s); nothing was deleted\n", output.Count(n, "object"), output.BinarySizeText(uint64(size)))
		return nil
	}
	question := fmt.Sprintf("delete %s (%s) from %s?", output.Count(n, "object"), output.BinarySizeText(uint64(size)), strings.Join(wheres, ", "))
	if err := cmdutil.Confirm(f.IO, opts.Yes, question); err != nil {
		return err
	}
	var deleted []prune.Object
	var firstErr error
	for i, plan := range plans {
		gone, err := cmdutil.DeletePlan(ctx, f, plan, wheres[i])
		deleted = append(deleted, gone...)
		if err != nil {
			firstErr = err
			break
		}
	}
	if format != output.Table {
		if perr := printPruneObjects(f, format, deleted); perr != nil && firstErr == nil {
			firstErr = perr
		}
	}
	return firstErr
}

// printLeftAlone says what the listing found and kept.
func printLeftAlone(f *cmdutil.Factory, plan *prune.Plan, named bool) {
	var parts []string
	if plan.Newer > 0 {
		parts = append(parts, output.Count(plan.Newer, "newer object"))
	}
	if plan.Ignored > 0 {
		what := "are not flow log objects"
		switch {
		case named && plan.Ignored == 1:
			what = "is not an object of this flow log"
		case named:
			what = "are not objects of this flow log"
		case plan.Ignored == 1:
			what = "is not a flow log object"
		}
		parts = append(parts, output.Count(plan.Ignored, "key")+" that "+what)
	}
	if len(parts) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "left alone: %s\n", strings.Join(parts, ", "))
	}
}

// pruneKeys are the JSON and CSV keys of an object prune lists.
var pruneKeys = []string{"key", "time", "size"}

func printPruneObjects(f *cmdutil.Factory, format output.Format, objs []prune.Object) error {
	w, err := output.NewWriter(format, f.IO.Out, pruneKeys, output.Options{})
	if err != nil {
		return err
	}
	for _, o := range objs {
		if err := w.Write([]output.Value{output.Str(o.Key), output.TimeValue(o.Time), output.UintValue(uint64(o.Size))}); err != nil {
			return err
		}
	}
	return w.Close()
}
