// Package delete is 'flowlog delete': delete flow logs, and on request the
// objects they wrote.
package delete

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/iostreams"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/prune"
	"github.com/flowlog/flowlog/internal/retention"
)

// Options are the parsed flags and arguments of 'flowlog delete'.
type Options struct {
	Factory *cmdutil.Factory

	Refs          []string // ID|NAME...
	Yes           bool
	DeleteObjects bool
	ExpireDays    int
	NoWait        bool
	DatacenterID  string
}

// NewCmdDelete builds the command; runF, when not nil, runs instead of
// deleteRun.
func NewCmdDelete(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:     "delete ID|NAME...",
		Aliases: []string{"rm"},
		Short:   "Delete flow logs",
		Long: `Delete one or more flow logs, named by id or name. Every name is looked up
before anything is deleted, and all are deleted in one transaction. The
Cloud API has no transactions: there they are deleted one after the other,
each request waited for (unless --no-wait), and a failure stops the rest and
says which were deleted.

flowlog shows what it is about to delete and asks on a terminal; elsewhere it
needs --yes. Objects the flow logs already wrote stay in their bucket, unless
--delete-objects deletes them (after the flow logs) or --expire-objects DAYS
adds a lifecycle rule that expires them. On a terminal without --yes, flowlog
offers to delete them once the flow logs are gone.`,
		Example: `  flowlog delete web-ingress
  flowlog delete 3f0c7b7e-3a51-4d0f-9b44-6c1d2b1f1a10 9ab1c2d3-4e5f-4a6b-8c7d-0e1f2a3b4c5d --yes
  flowlog delete web-ingress --delete-objects --yes
  flowlog delete web-ingress --expire-objects 30`,
		Args:              cmdutil.ArgsUsage(cobra.MinimumNArgs(1)),
		ValidArgsFunction: cmdutil.CompleteFlowLogs(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("expire-objects") && opts.ExpireDays < 1 {
				return cmdutil.UsageErrorf("--expire-objects must be a whole number of days, at least 1")
			}
			opts.Refs = args
			if runF != nil {
				return runF(opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "delete without asking")
	cmd.Flags().BoolVar(&opts.DeleteObjects, "delete-objects", false, "also delete every object the flow logs wrote")
	cmd.Flags().IntVar(&opts.ExpireDays, "expire-objects", 0, "also add a lifecycle rule that expires the flow logs' objects after `DAYS`")
	cmd.Flags().BoolVar(&opts.NoWait, "no-wait", false, "against the Cloud API, return once each request is accepted, without waiting for it to be done")
	cmd.Flags().StringVar(&opts.DatacenterID, "datacenter-id", "", "look only in the data center with this `ID` (against the Cloud API, walk only that one)")
	cmd.MarkFlagsMutuallyExclusive("delete-objects", "expire-objects")
	return cmd
}

func deleteRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	reg, err := f.Registry(ctx, cmdutil.RegistryOptions{NoWait: opts.NoWait})
	if err != nil {
		return err
	}
	logs, err := cmdutil.ResolveFlowLogs(ctx, reg, opts.DatacenterID, opts.Refs)
	if err != nil {
		return err
	}
	format, err := cmdutil.OutputFormat(f, output.Table, output.Formats...)
	if err != nil {
		return err
	}
	w := f.IO.ErrOut
	fmt.Fprintf(w, "about to delete %s:\n", output.Count(len(logs), "flow log"))
	for _, fl := range logs {
		fmt.Fprintf(w, "  %s  %s (%s %s) -> %s\n", fl.ID, fl.Name, fl.ResourceType, fl.ResourceID, fl.Target())
	}

	// What happens to the objects is worked out, and shown, before asking.
	question := "delete " + output.Count(len(logs), "flow log") + "?"
	var expiries []*retention.SetPlan
	switch {
	case opts.DeleteObjects:
		n, size := 0, int64(0)
		for _, fl := range logs {
			plan, err := selectObjects(ctx, f, fl)
			if err != nil {
				return err
			}
			n += len(plan.Objects)
			size += plan.Bytes
			fmt.Fprintf(w, "  and %s (%s): %s\n", output.Count(len(plan.Objects), "object"), output.BinarySizeText(uint64(plan.Bytes)), flowLogObjects(ctx, f, fl))
		}
		question = fmt.Sprintf("delete %s and %s (%s)?", output.Count(len(logs), "flow log"), output.Count(n, "object"), output.BinarySizeText(uint64(size)))
	case opts.ExpireDays > 0:
		for _, fl := range logs {
			store, err := f.Store(ctx, fl.Bucket)
			if err != nil {
				return err
			}
			objs := flowlog.ObjectsOf(fl, store)
			configured, err := cmdutil.FlowLogsIn(ctx, f, objs)
			if err != nil {
				return err
			}
			plan, err := retention.PlanSet(ctx, objs, opts.ExpireDays, configured)
			if err != nil {
				return cmdutil.LifecycleError(f, objs, err)
			}
			cmdutil.PreviewRetention(w, plan)
			expiries = append(expiries, plan)
		}
		question = fmt.Sprintf("delete %s and have their objects expire?", output.Count(len(logs), "flow log"))
	}
	if err := cmdutil.Confirm(f.IO, opts.Yes, question); err != nil {
		return err
	}

	if err := reg.Delete(ctx, logs...); err != nil {
		return err
	}
	for _, fl := range logs {
		fmt.Fprintf(w, "deleted flow log %s (%s)\n", fl.Name, fl.ID)
	}

	switch {
	case opts.DeleteObjects:
		err = deleteObjects(ctx, f, logs)
	case opts.ExpireDays > 0:
		for i, plan := range expiries {
			if err = plan.Apply(ctx); err != nil {
				err = cmdutil.WithHint(fmt.Errorf("the flow logs are deleted, but not the lifecycle rule for %s: %w", plan.Objects, err),
					fmt.Sprintf("flowlog retention set s3://%s --name %s --days %d", logs[i].Target(), logs[i].Name, opts.ExpireDays))
				break
			}
			fmt.Fprintf(w, "%s expire %s\n", plan.Objects, retention.DescribeExpiry(plan.Rule))
		}
	default:
		err = offerObjectDeletion(ctx, f, logs, opts.Yes)
	}
	if err != nil {
		return err
	}
	if format != output.Table {
		return cmdutil.PrintFlowLogs(f, logs, false)
	}
	return nil
}

// flowLogObjects names where a flow log's objects are, as a pattern.
func flowLogObjects(ctx context.Context, f *cmdutil.Factory, fl flowlog.FlowLog) string {
	return objectPatterns(ctx, f, []flowlog.FlowLog{fl})
}

// objectPatterns names where the objects of logs are: s3:// patterns, or
// paths in their buckets' folders when no object storage is configured.
func objectPatterns(ctx context.Context, f *cmdutil.Factory, logs []flowlog.FlowLog) string {
	folders := false
	if cfg, err := f.Settings(); err == nil {
		folders = !cfg.StorageConfigured()
	}
	s := ""
	for i, fl := range logs {
		if i > 0 {
			s += ", "
		}
		pattern := fl.ObjectsURL()
		if folders {
			if store, err := f.Store(ctx, fl.Bucket); err == nil {
				pattern = flowlog.ObjectsOf(fl, store).String()
			}
		}
		s += pattern
	}
	return s
}

// selectObjects lists every object a flow log wrote.
func selectObjects(ctx context.Context, f *cmdutil.Factory, fl flowlog.FlowLog) (*prune.Plan, error) {
	store, err := f.Store(ctx, fl.Bucket)
	if err != nil {
		return nil, err
	}
	return prune.Select(ctx, flowlog.ObjectsOf(fl, store), time.Time{})
}

// deleteObjects deletes every object the (deleted) flow logs wrote,
// listing them afresh to catch the last deliveries.
func deleteObjects(ctx context.Context, f *cmdutil.Factory, logs []flowlog.FlowLog) error {
	var firstErr error
	for _, fl := range logs {
		plan, err := selectObjects(ctx, f, fl)
		if err == nil {
			_, err = cmdutil.DeletePlan(ctx, f, plan, flowLogObjects(ctx, f, fl))
		}
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("the flow logs are deleted, but not all their objects: %w", err)
		}
	}
	return firstErr
}

// offerObjectDeletion says that the objects stay; on a terminal and
// without --yes, it first offers to delete them.
func offerObjectDeletion(ctx context.Context, f *cmdutil.Factory, logs []flowlog.FlowLog, yes bool) error {
	w := f.IO.ErrOut
	if !yes && f.IO.CanPrompt() {
		var plans []*prune.Plan
		n, size := 0, int64(0)
		for _, fl := range logs {
			plan, err := selectObjects(ctx, f, fl)
			if err != nil {
				fmt.Fprintf(w, "flowlog: cannot list the objects of %s: %v\n", fl.Name, err)
				plans = nil
				break
			}
			plans = append(plans, plan)
			n += len(plan.Objects)
			size += plan.Bytes
		}
		if plans != nil && n == 0 {
			fmt.Fprintf(w, "no objects written: %s\n", objectPatterns(ctx, f, logs))
			return nil
		}
		if plans != nil {
			whose := "its"
			if len(logs) > 1 {
				whose = "their"
			}
			ok, err := f.IO.Confirm(fmt.Sprintf("also delete %s %s (%s) now?", whose, output.Count(n, "object"), output.BinarySizeText(uint64(size))))
			if err != nil && !errors.Is(err, iostreams.ErrNoAnswer) {
				return err
			}
			if ok {
				var firstErr error
				for i, plan := range plans {
					if _, err := cmdutil.DeletePlan(ctx, f, plan, flowLogObjects(ctx, f, logs[i])); err != nil && firstErr == nil {
						firstErr = err
					}
				}
				return firstErr
			}
		}
	}
	fmt.Fprintf(w, "objects already written stay in the bucket: %s\n", objectPatterns(ctx, f, logs))
	if len(logs) == 1 {
		fl := logs[0]
		cmdutil.PrintHint(w, fmt.Sprintf("delete them with 'flowlog prune s3://%s --name %s --older-than 1m', or have them expire with 'flowlog retention set s3://%s --name %s --days N'",
			fl.Target(), fl.Name, fl.Target(), fl.Name))
	} else {
		cmdutil.PrintHint(w, "'flowlog prune s3://BUCKET[/PREFIX] --name NAME --older-than 1m' deletes a flow log's objects; 'flowlog retention set s3://BUCKET[/PREFIX] --name NAME --days N' has them expire")
	}
	return nil
}
