// Package clear is 'flowlog retention clear': remove flowlog's lifecycle
// rule for flow log objects.
package clear

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/retention"
)

// Options are the parsed flags and arguments of 'flowlog retention clear'.
type Options struct {
	Factory *cmdutil.Factory

	Sources []string // SOURCE...
	Objects cmdutil.ObjectFlags
	Yes     bool
}

// NewCmdClear builds the command; runF, when not nil, runs instead of
// clearRun.
func NewCmdClear(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "clear (SOURCE... [--name NAME] | --flowlog NAME...)",
		Short: "Remove flowlog's lifecycle rule for flow log objects",
		Long: `Remove the lifecycle rule 'flowlog retention set' made for the same objects.
Other rules stay; if no rule is left, the bucket's lifecycle configuration is
deleted. Without such a rule, there is nothing to do and clear says so.`,
		Example: `  flowlog retention clear --flowlog web-ingress
  flowlog retention clear s3://my-logs/web --yes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sources = args
			if runF != nil {
				return runF(opts)
			}
			return clearRun(cmd.Context(), opts)
		},
	}
	opts.Objects.Add(cmd, f, "stop expiring")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "change the lifecycle without asking")
	return cmd
}

func clearRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	targets, err := cmdutil.ResolveObjects(ctx, f, opts.Sources, opts.Objects, "retention works on objects")
	if err != nil {
		return err
	}
	w := f.IO.ErrOut
	// Every change is worked out and shown before one question.
	var plans []*retention.ClearPlan
	var changed []flowlog.Objects
	for _, objs := range targets {
		plan, err := retention.PlanClear(ctx, objs)
		if errors.Is(err, retention.ErrNoRule) {
			fmt.Fprintf(w, "%s has no flowlog rule for %s: nothing to change\n", objs.Store, objs)
			continue
		}
		if err != nil {
			return cmdutil.LifecycleError(f, objs, err)
		}
		fmt.Fprintf(w, "lifecycle of %s:\n", objs.Store)
		fmt.Fprintf(w, "  remove rule %q: %s expire %s\n", plan.Rule.ID, objs, retention.DescribeExpiry(plan.Rule))
		if len(plan.Others) == 0 {
			fmt.Fprintln(w, "  no rule is left: the lifecycle configuration is deleted")
		} else {
			fmt.Fprintf(w, "  kept as they are: %s\n", cmdutil.RuleIDs(plan.Others))
		}
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
		if len(plan.Still) > 0 {
			fmt.Fprintf(w, "removed rule %q; rule %s still expires some of %s\n", plan.Rule.ID, cmdutil.RuleIDs(plan.Still), plan.Objects)
		} else {
			fmt.Fprintf(w, "removed rule %q: %s are kept until deleted\n", plan.Rule.ID, plan.Objects)
		}
	}
	return nil
}
