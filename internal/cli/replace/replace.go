// Package replace is 'flowlog replace': delete a flow log and create it
// again with changed settings, in one transaction.
package replace

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/flowlog"
)

// Options are the parsed flags of 'flowlog replace'. A setting is changed
// only when its flag was given (the *Set fields).
type Options struct {
	Factory *cmdutil.Factory

	Ref                                         string
	Direction, Action, Target, Name             string
	DirectionSet, ActionSet, TargetSet, NameSet bool
	Yes, NoVerify, NoWait                       bool
	DatacenterID                                string
}

// NewCmdReplace builds the command; runF, when not nil, runs instead of
// replaceRun.
func NewCmdReplace(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "replace ID|NAME [--direction …] [--action …] [--bucket …] [--name …]",
		Short: "Delete a flow log and create it again with changed settings",
		Long: `A flow log cannot be changed after it is created; the service's way out is to
delete it and create a new one. replace does both in one transaction, so the
resource is never left without its flow log and a failed create keeps the old
one. The new flow log gets a new id; settings not named keep their values.

The Cloud API has no transactions. There, replace deletes the flow log, waits
until it is gone, and creates the new one. If the create fails, it creates
the old settings again (the API gives them a new id), says so, and exits with
the create's code. If that fails too, the resource has no flow log: replace
says so, exits 1, and prints the 'flowlog create' line that brings the old
settings back. --no-wait does not wait for the new flow log to be created.

Objects the old flow log wrote stay in the bucket.`,
		Example: `  flowlog replace web-ingress --direction bidirectional
  flowlog replace 3f0c7b7e-3a51-4d0f-9b44-6c1d2b1f1a10 --bucket other-logs/web --yes`,
		Args:              cmdutil.ArgsUsage(cobra.ExactArgs(1)),
		ValidArgsFunction: cmdutil.CompleteFlowLogs(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			flags := cmd.Flags()
			opts.Ref = args[0]
			opts.DirectionSet, opts.ActionSet = flags.Changed("direction"), flags.Changed("action")
			opts.TargetSet, opts.NameSet = flags.Changed("bucket"), flags.Changed("name")
			if !opts.DirectionSet && !opts.ActionSet && !opts.TargetSet && !opts.NameSet {
				return cmdutil.UsageErrorf("nothing to change: name at least one of --direction, --action, --bucket, --name")
			}
			if runF != nil {
				return runF(opts)
			}
			return replaceRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Direction, "direction", "", "new `DIRECTION`: ingress, egress or bidirectional")
	fl.StringVar(&opts.Action, "action", "", "new `ACTION` filter: accepted, rejected or all")
	fl.StringVar(&opts.Target, "bucket", "", "new target bucket and prefix, `BUCKET[/PREFIX]`")
	fl.StringVar(&opts.Name, "name", "", "new `NAME`")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "replace without asking")
	fl.BoolVar(&opts.NoVerify, "no-verify", false, "do not check that a new bucket exists")
	fl.StringVar(&opts.DatacenterID, "datacenter-id", "", "look only in the data center with this `ID` (against the Cloud API, walk only that one)")
	fl.BoolVar(&opts.NoWait, "no-wait", false, "against the Cloud API, do not wait for the new flow log to be created (the delete is always waited for)")
	cmdutil.RegisterEnumCompletion(cmd, "direction", "ingress", "egress", "bidirectional")
	cmdutil.RegisterEnumCompletion(cmd, "action", "accepted", "rejected", "all")
	return cmd
}

func replaceRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	reg, err := f.Registry(ctx, cmdutil.RegistryOptions{NoWait: opts.NoWait})
	if err != nil {
		return err
	}
	found, err := cmdutil.ResolveFlowLogs(ctx, reg, opts.DatacenterID, []string{opts.Ref})
	if err != nil {
		return err
	}
	old := found[0]
	next, err := opts.changed(old)
	if err != nil {
		return err
	}
	if next.Bucket != old.Bucket {
		if err := cmdutil.VerifyBucket(ctx, f, next.Bucket, opts.NoVerify); err != nil {
			return err
		}
	}
	changes := describeChanges(old, next)
	if len(changes) == 0 {
		return cmdutil.UsageErrorf("nothing to change: flow log %s already has these settings", old.Name)
	}
	fmt.Fprintf(f.IO.ErrOut, "about to replace flow log %s (%s):\n", old.Name, old.ID)
	for _, c := range changes {
		fmt.Fprintf(f.IO.ErrOut, "  %s\n", c)
	}
	if err := cmdutil.Confirm(f.IO, opts.Yes, "replace flow log "+old.Name+"?"); err != nil {
		return err
	}
	created, err := reg.Replace(ctx, old, next)
	var lost *flowlog.ReplaceError
	if errors.As(err, &lost) {
		return &cmdutil.UserError{Err: err, Code: cmdutil.ExitError,
			Advice: "create the old flow log again with: " + createLine(lost.Old)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "replaced flow log %s: new id %s; objects already written stay in %s\n",
		old.ID, created.ID, old.ObjectsURL())
	return cmdutil.PrintFlowLogs(f, []flowlog.FlowLog{created}, true)
}

// createLine is the command that creates fl again.
func createLine(fl flowlog.FlowLog) string {
	line := fmt.Sprintf("flowlog create --%s %s", fl.ResourceType, fl.ResourceID)
	if fl.DatacenterID != "" {
		line += " --datacenter-id " + fl.DatacenterID
	}
	if fl.ServerID != "" {
		line += " --server-id " + fl.ServerID
	}
	return line + fmt.Sprintf(" --bucket %s --name %s --direction %s --action %s",
		fl.Target(), shellQuote(fl.Name), strings.ToLower(string(fl.Direction)), strings.ToLower(string(fl.Action)))
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:@+=,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// changed is old with the settings the flags name, checked.
func (opts *Options) changed(old flowlog.FlowLog) (flowlog.FlowLog, error) {
	next := old
	var err error
	if opts.DirectionSet {
		if next.Direction, err = flowlog.ParseDirection(opts.Direction); err != nil {
			return next, err
		}
	}
	if opts.ActionSet {
		if next.Action, err = flowlog.ParseAction(opts.Action); err != nil {
			return next, err
		}
	}
	if opts.TargetSet {
		if next.Bucket, next.Prefix, err = flowlog.ParseTarget(opts.Target); err != nil {
			return next, err
		}
	}
	if opts.NameSet {
		next.Name = opts.Name
	}
	return next, next.Validate()
}

func describeChanges(old, next flowlog.FlowLog) []string {
	var changes []string
	add := func(field, from, to string) {
		if from != to {
			changes = append(changes, fmt.Sprintf("%-9s %s -> %s", field, from, to))
		}
	}
	add("name", old.Name, next.Name)
	add("direction", string(old.Direction), string(next.Direction))
	add("action", string(old.Action), string(next.Action))
	add("bucket", old.Target(), next.Target())
	return changes
}
