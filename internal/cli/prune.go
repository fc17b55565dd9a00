package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/prune"
	"github.com/flowlog/flowlog/internal/timespec"
)

type pruneOptions struct {
	flowLogs  []string
	name      string
	olderThan string
	dryRun    bool
	yes       bool
}

func newPruneCmd(f *Factory) *cobra.Command {
	opts := &pruneOptions{}
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
		GroupID: "records",
		RunE: func(cmd *cobra.Command, args []string) error {
			return pruneRun(cmd.Context(), f, opts, args)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.flowLogs, "flowlog", nil, "prune the objects of a configured flow log, by `NAME|ID` (repeatable)")
	fl.StringVar(&opts.name, "name", "", "with SOURCE: only the objects of the flow log named `NAME`")
	fl.StringVar(&opts.olderThan, "older-than", "", "delete objects whose key time is older than `AGE` (30d, 12h, 2w, or a time)")
	fl.BoolVar(&opts.dryRun, "dry-run", false, "list what would be deleted; delete nothing")
	fl.BoolVarP(&opts.yes, "yes", "y", false, "delete without asking")
	cmd.RegisterFlagCompletionFunc("flowlog", completeFlowLogs(f))
	return cmd
}

// parseOlderThan turns --older-than into the cutoff time.
func parseOlderThan(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, usageErrorf("--older-than is required: how old objects must be to go (30d, 12h, 2w, or a time)")
	}
	if strings.Trim(s, "0123456789") == "" {
		// timespec.Parse reads plain digits as unix seconds; here they
		// are more likely days without their unit.
		return time.Time{}, usageErrorf("--older-than %s: give a unit, as in %sd for days", s, s)
	}
	t, err := timespec.Parse(s, now)
	if err != nil {
		return time.Time{}, usageErrorf("--older-than: %v", err)
	}
	if t.After(now) {
		return time.Time{}, usageErrorf("--older-than %s is in the future: it would delete every object", s)
	}
	return t, nil
}

func pruneRun(ctx context.Context, f *Factory, opts *pruneOptions, args []string) error {
	cutoff, err := parseOlderThan(opts.olderThan, f.Now())
	if err != nil {
		return err
	}
	switch {
	case len(opts.flowLogs) > 0 && opts.name != "":
		return usageErrorf("--name goes with SOURCE; --flowlog already names the flow log")
	case len(opts.flowLogs) == 0 && len(args) == 0:
		return usageErrorf("name what to prune: --flowlog NAME, s3://BUCKET[/PREFIX] or a folder")
	case opts.name != "":
		if err := flowlog.ValidateName(opts.name); err != nil {
			return err
		}
	}
	sources, err := f.resolveSources(ctx, args, opts.flowLogs, sourceRules{objectsOnly: "prune deletes objects", name: opts.name})
	if err != nil {
		return err
	}
	format, err := f.outputFormat(output.Table, output.Formats...)
	if err != nil {
		return err
	}
	w := f.IO.ErrOut
	cutoffText := cutoff.UTC().Format(time.RFC3339)
	var plans []*prune.Plan
	var wheres []string
	n, size := 0, int64(0)
	for _, objs := range sources.objectSets() {
		plan, err := prune.Select(ctx, objs, cutoff)
		if err != nil {
			return err
		}
		where := objs.String()
		if len(plan.Objects) == 0 {
			fmt.Fprintf(w, "nothing to prune: no flow log object in %s is older than %s\n", where, cutoffText)
		} else {
			fmt.Fprintf(w, "%s: %s (%s) older than %s, written from %s to %s\n", where,
				output.Count(len(plan.Objects), "object"), humanize.IBytes(uint64(plan.Bytes)), cutoffText,
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
	if opts.dryRun {
		var all []prune.Object
		for _, plan := range plans {
			all = append(all, plan.Objects...)
		}
		if err := printPruneObjects(f, format, all); err != nil {
			return err
		}
		fmt.Fprintf(w, "dry run: would delete %s (%s); nothing was deleted\n", output.Count(n, "object"), humanize.IBytes(uint64(size)))
		return nil
	}
	question := fmt.Sprintf("delete %s (%s) from %s?", output.Count(n, "object"), humanize.IBytes(uint64(size)), strings.Join(wheres, ", "))
	if err := f.confirm(opts.yes, question); err != nil {
		return err
	}
	var deleted []prune.Object
	var firstErr error
	for i, plan := range plans {
		gone, err := f.deletePlan(ctx, plan, wheres[i])
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
func printLeftAlone(f *Factory, plan *prune.Plan, named bool) {
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

func printPruneObjects(f *Factory, format output.Format, objs []prune.Object) error {
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

// maxFailuresShown bounds the failed keys listed on stderr.
const maxFailuresShown = 10

// deletePlan deletes what a plan chose, reports on stderr, and returns the
// objects deleted. The error names the keys that could not be deleted.
func (f *Factory) deletePlan(ctx context.Context, plan *prune.Plan, where string) ([]prune.Object, error) {
	bar := f.newProgress(len(plan.Objects), false)
	done := 0
	res, err := plan.Delete(ctx, func(n int) {
		for ; done < n; done++ {
			bar.done(0)
		}
	})
	bar.finish()

	failed := make(map[string]bool, len(res.Failed))
	for _, k := range res.Failed {
		failed[k.Key] = true
	}
	var deleted []prune.Object
	var bytes int64
	for _, o := range plan.Objects[:len(plan.Objects)-res.NotTried] {
		if !failed[o.Key] {
			deleted = append(deleted, o)
			bytes += o.Size
		}
	}
	w := f.IO.ErrOut
	fmt.Fprintf(w, "deleted %s (%s) from %s\n", output.Count(len(deleted), "object"), humanize.IBytes(uint64(bytes)), where)
	for i, k := range res.Failed {
		if i == maxFailuresShown {
			fmt.Fprintf(w, "  … and %d more\n", len(res.Failed)-maxFailuresShown)
			break
		}
		fmt.Fprintf(w, "  not deleted: %s: %v\n", k.Key, k.Err)
	}
	if res.NotTried > 0 {
		fmt.Fprintf(w, "stopped: %s not tried\n", output.Count(res.NotTried, "object"))
	}
	var de *objstore.DeleteError
	if errors.As(err, &de) {
		return deleted, withHint(fmt.Errorf("%s: %w", where, err), "run the same prune again to retry; "+storageHintOr(err, "objects already deleted are not listed again"))
	}
	return deleted, err
}

// storageHintOr is the storage hint for err, or def.
func storageHintOr(err error, def string) string {
	if h := storageHint(err); h != "" {
		return h
	}
	return def
}
