package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
)

func newReplaceCmd(f *Factory) *cobra.Command {
	var yes, noVerify bool
	var direction, action, target, name string
	cmd := &cobra.Command{
		Use:   "replace ID|NAME [--direction …] [--action …] [--bucket …] [--name …]",
		Short: "Delete a flow log and create it again with changed settings, in one transaction",
		Long: `A flow log cannot be changed after it is created; the service's way out is to
delete it and create a new one. replace does both in one transaction, so the
resource is never left without its flow log and a failed create keeps the old
one. The new flow log gets a new id; settings not named keep their values.

Objects the old flow log wrote stay in the bucket.`,
		Example: `  flowlog replace web-ingress --direction bidirectional
  flowlog replace 3f0c7b7e-3a51-4d0f-9b44-6c1d2b1f1a10 --bucket other-logs/web --yes`,
		Args:              argsUsage(cobra.ExactArgs(1)),
		ValidArgsFunction: completeFlowLogs(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			flags := cmd.Flags()
			if !flags.Changed("direction") && !flags.Changed("action") && !flags.Changed("bucket") && !flags.Changed("name") {
				return usageErrorf("nothing to change: name at least one of --direction, --action, --bucket, --name")
			}
			e, err := f.Engine(ctx)
			if err != nil {
				return err
			}
			old, err := e.Get(ctx, args[0])
			if err != nil {
				return err
			}
			next := old
			if flags.Changed("direction") {
				if next.Direction, err = flowlog.ParseDirection(direction); err != nil {
					return err
				}
			}
			if flags.Changed("action") {
				if next.Action, err = flowlog.ParseAction(action); err != nil {
					return err
				}
			}
			if flags.Changed("bucket") {
				if next.Bucket, next.Prefix, err = flowlog.ParseTarget(target); err != nil {
					return err
				}
			}
			if flags.Changed("name") {
				next.Name = name
			}
			if err := next.Validate(); err != nil {
				return err
			}
			if next.Bucket != old.Bucket {
				if err := f.verifyBucket(ctx, next.Bucket, noVerify); err != nil {
					return err
				}
			}
			changes := describeChanges(old, next)
			if len(changes) == 0 {
				return usageErrorf("nothing to change: flow log %s already has these settings", old.Name)
			}
			fmt.Fprintf(f.IO.ErrOut, "about to replace flow log %s (%s):\n", old.Name, old.ID)
			for _, c := range changes {
				fmt.Fprintf(f.IO.ErrOut, "  %s\n", c)
			}
			if err := f.confirm(yes, "replace flow log "+old.Name+"?"); err != nil {
				return err
			}
			created, err := e.Replace(ctx, old.ID, next)
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "replaced flow log %s: new id %s; objects already written stay in s3://%s/%s*\n",
				old.ID, created.ID, old.Bucket, flowlog.ObjectKeyPrefix(old.Prefix, old.Name))
			return f.printFlowLogs([]flowlog.FlowLog{created}, true)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&direction, "direction", "", "new `DIRECTION`: ingress, egress or bidirectional")
	fl.StringVar(&action, "action", "", "new `ACTION` filter: accepted, rejected or all")
	fl.StringVar(&target, "bucket", "", "new target bucket and prefix, `BUCKET[/PREFIX]`")
	fl.StringVar(&name, "name", "", "new `NAME`")
	fl.BoolVarP(&yes, "yes", "y", false, "replace without asking")
	fl.BoolVar(&noVerify, "no-verify", false, "do not check that a new bucket exists")
	registerEnumCompletion(cmd, "direction", "ingress", "egress", "bidirectional")
	registerEnumCompletion(cmd, "action", "accepted", "rejected", "all")
	return cmd
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

// newInPlaceChangeCmds are the verbs people try first to change a flow log.
// They exist only to refuse, with the reason and the way out.
func newInPlaceChangeCmds() []*cobra.Command {
	var cmds []*cobra.Command
	for _, verb := range []string{"update", "set", "edit", "modify", "patch"} {
		cmds = append(cmds, &cobra.Command{
			Use:                verb,
			Short:              "Refused: flow logs cannot be changed in place (see 'flowlog replace')",
			Hidden:             true,
			DisableFlagParsing: true,
			RunE: func(cmd *cobra.Command, args []string) error {
				field := ""
				for _, a := range args {
					if strings.HasPrefix(a, "--") && len(a) > 2 {
						field, _, _ = strings.Cut(a[2:], "=")
						break
					}
				}
				return engine.ImmutableError(field)
			},
		})
	}
	return cmds
}
