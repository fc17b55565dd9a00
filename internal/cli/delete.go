package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/output"
)

func newDeleteCmd(f *Factory) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:     "delete ID|NAME...",
		Aliases: []string{"rm"},
		Short:   "Delete flow logs",
		Long: `Delete one or more flow logs, named by id or name. Every name is looked up
before anything is deleted, and all are deleted in one transaction.

flowlog shows what it is about to delete and asks on a terminal; elsewhere it
needs --yes. Objects the flow logs already wrote stay in their bucket.`,
		Example: `  flowlog delete web-ingress
  flowlog delete 3f0c… 9ab1… --yes`,
		Args:              argsUsage(cobra.MinimumNArgs(1)),
		ValidArgsFunction: completeFlowLogs(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, err := f.Engine(ctx)
			if err != nil {
				return err
			}
			logs, err := resolveFlowLogs(ctx, e, args)
			if err != nil {
				return err
			}
			format, err := f.outputFormat(output.Formats...)
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "about to delete %s:\n", plural(len(logs), "flow log"))
			for _, fl := range logs {
				fmt.Fprintf(f.IO.ErrOut, "  %s  %s (%s %s) -> %s\n", fl.ID, fl.Name, fl.ResourceType, fl.ResourceID, fl.Target())
			}
			if err := f.confirm(yes, "delete "+plural(len(logs), "flow log")+"?"); err != nil {
				return err
			}
			ids := make([]string, len(logs))
			for i, fl := range logs {
				ids[i] = fl.ID
			}
			if err := e.Delete(ctx, ids...); err != nil {
				return err
			}
			for _, fl := range logs {
				fmt.Fprintf(f.IO.ErrOut, "deleted flow log %s (%s)\n", fl.Name, fl.ID)
			}
			fmt.Fprintf(f.IO.ErrOut, "objects already written stay in the bucket: %s\n", objectPatterns(logs))
			if format != output.Table {
				return f.printFlowLogs(logs, false)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return cmd
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// objectPatterns names where the objects of logs are, as s3:// patterns.
func objectPatterns(logs []flowlog.FlowLog) string {
	s := ""
	for i, fl := range logs {
		if i > 0 {
			s += ", "
		}
		s += "s3://" + fl.Bucket + "/" + flowlog.ObjectKeyPrefix(fl.Prefix, fl.Name) + "*"
	}
	return s
}
