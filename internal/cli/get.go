package cli

import (
	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/flowlog"
)

func newGetCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "get ID|NAME",
		Short: "Show one flow log",
		Long: `Show one flow log, named by its id or its name. A name shared by several flow
logs (in different buckets) is an error that lists them: use the id then.`,
		Example: `  flowlog get web-ingress
  flowlog get 3f0c7b7e-3a51-4d0f-9b44-6c1d2b1f1a10 -o json | jq -r .bucket`,
		Args:              argsUsage(cobra.ExactArgs(1)),
		ValidArgsFunction: completeFlowLogs(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := f.Engine(cmd.Context())
			if err != nil {
				return err
			}
			fl, err := e.Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return f.printFlowLogs([]flowlog.FlowLog{fl}, true)
		},
	}
	return cmd
}
