// Package get is 'flowlog get': one flow log, by id or name.
package get

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
)

// Options are the parsed arguments of 'flowlog get'.
type Options struct {
	Factory *cmdutil.Factory

	Ref          string // ID or NAME
	DatacenterID string // --datacenter-id
}

// NewCmdGet builds the command; runF, when not nil, runs instead of getRun.
func NewCmdGet(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "get ID|NAME",
		Short: "Show one flow log",
		Long: `Show one flow log, named by its id or its name. A name shared by several flow
logs (in different buckets) is an error that lists them: use the id then.
--datacenter-id looks in one data center only (against the Cloud API, a faster walk).`,
		Example: `  flowlog get web-ingress
  flowlog get 3f0c7b7e-3a51-4d0f-9b44-6c1d2b1f1a10 -o json | jq -r .bucket`,
		Args:              cmdutil.ArgsUsage(cobra.ExactArgs(1)),
		ValidArgsFunction: cmdutil.CompleteFlowLogs(f),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.DatacenterID, "datacenter-id", "", "look only in the data center with this `ID` (against the Cloud API, walk only that one)")
	return cmd
}

func getRun(ctx context.Context, opts *Options) error {
	reg, err := opts.Factory.Registry(ctx, cmdutil.RegistryOptions{})
	if err != nil {
		return err
	}
	logs, err := cmdutil.ResolveFlowLogs(ctx, reg, opts.DatacenterID, []string{opts.Ref})
	if err != nil {
		return err
	}
	return cmdutil.PrintFlowLogs(opts.Factory, logs, true)
}
