// Package set is 'flowlog retention set': a lifecycle rule that expires flow
// log objects after N days.
package set

import (
	"context"
	"fmt"
	"math"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/retention"
)

// Options are the parsed flags and arguments of 'flowlog retention set'.
type Options struct {
	Factory *cmdutil.Factory

	Sources []string // SOURCE...
	Objects cmdutil.ObjectFlags
	Days    int
	Yes     bool
}

// NewCmdSet builds the command; runF, when not nil, runs instead of setRun.
func NewCmdSet(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "set (SOURCE... [--name NAME] | --flowlog NAME...) --days N",
		Short: "Have a bucket's lifecycle expire flow log objects after N days",
		Long: `Add a lifecycle rule to the bucket that expires the objects of a flow log
(--flowlog) or every object under a bucket prefix (SOURCE s3://BUCKET[/PREFIX],
or --bucket BUCKET[/PREFIX]) N days after they were written. The bucket's
other lifecycle rules are kept as they are; an earlier flowlog rule for the
same objects is replaced.

flowlog shows the change and asks on a terminal; elsewhere it needs --yes.`,
		Example: `  flowlog retention set --flowlog web-ingress --days 30
  flowlog retention set s3://my-logs/web --days 90 --yes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sources = args
			if opts.Days < 1 || opts.Days > math.MaxInt32 {
				return cmdutil.UsageErrorf("--days must be a whole number of days, at least 1")
			}
			if runF != nil {
				return runF(opts)
			}
			return setRun(cmd.Context(), opts)
		},
	}
	opts.Objects.Add(cmd, f, "expire")
	cmd.Flags().IntVar(&opts.Days, "days", 0, "expire objects `N` days after they were written")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "change the lifecycle without asking")
	return cmd
}

func setRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	targets, err := cmdutil.ResolveObjects(ctx, f, opts.Sources, opts.Objects, "retention expires objects")
	if err != nil {
		return err
	}
	// Every change is worked out and shown before one question.
	var plans []*retention.SetPlan
	var changed []flowlog.Objects
	for _, objs := range targets {
		var configured []flowlog.FlowLog
		if objs.Name != "" {
			// The plan names the other flow logs whose keys start the same
			// way; a folder's rule says it expires everything under it, so
			// a bucket alone does not open the database.
			if configured, err = cmdutil.FlowLogsIn(ctx, f, objs); err != nil {
				return err
			}
		}
		plan, err := retention.PlanSet(ctx, objs, opts.Days, configured)
		if err != nil {
			return cmdutil.LifecycleError(f, objs, err)
		}
		if plan.Unchanged() {
			fmt.Fprintf(f.IO.ErrOut, "%s already expire %s (rule %q): nothing to change\n", objs, retention.DescribeExpiry(plan.Rule), plan.Rule.ID)
			continue
		}
		cmdutil.PreviewRetention(f.IO.ErrOut, plan)
		plans = append(plans, plan)
		changed = append(changed, objs)
	}
	if len(plans) == 0 {
		return nil
	}
	if err := cmdutil.ConfirmLifecycle(f, opts.Yes, changed); err != nil {
		return err
	}
	for _, plan := range plans {
		if err := plan.Apply(ctx); err != nil {
			return cmdutil.NotImplementedHint(err, cmdutil.LifecycleConfigs)
		}
		fmt.Fprintf(f.IO.ErrOut, "set: %s expire %s\n", plan.Objects, retention.DescribeExpiry(plan.Rule))
	}
	return nil
}
