package cli

import (
	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
)

func newListCmd(f *Factory) *cobra.Command {
	var typ, bucket string
	cmd := &cobra.Command{
		Use:     "list [--type nic|natgateway|nlb] [--bucket BUCKET]",
		Aliases: []string{"ls"},
		Short:   "List flow logs",
		Example: `  flowlog list
  flowlog list --type nic --bucket my-logs -o json | jq -r '.[].name'`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			var filter engine.ListFilter
			if typ != "" {
				t, err := flowlog.ParseResourceType(typ)
				if err != nil {
					return err
				}
				filter.Type = t
			}
			if bucket != "" {
				b, _, err := flowlog.ParseTarget(bucket)
				if err != nil {
					return err
				}
				filter.Bucket = b
			}
			e, err := f.Engine(cmd.Context())
			if err != nil {
				return err
			}
			logs, err := e.List(cmd.Context(), filter)
			if err != nil {
				return err
			}
			return f.printFlowLogs(logs, false)
		},
	}
	cmd.Flags().StringVar(&typ, "type", "", "only flow logs of resources of this `TYPE`: nic, natgateway or nlb")
	cmd.Flags().StringVar(&bucket, "bucket", "", "only flow logs writing to `BUCKET`")
	registerEnumCompletion(cmd, "type", "nic", "natgateway", "nlb")
	return cmd
}
