// Package list is 'flowlog list': the configured flow logs.
package list

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
)

// Options are the parsed flags of 'flowlog list'.
type Options struct {
	Factory *cmdutil.Factory

	Type   string // --type
	Bucket string // --bucket
}

// NewCmdList builds the command; runF, when not nil, runs instead of
// listRun.
func NewCmdList(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:     "list [--type nic|natgateway|nlb|alb] [--bucket BUCKET]",
		Aliases: []string{"ls"},
		Short:   "List flow logs",
		Example: `  flowlog list
  flowlog list --type nic --bucket my-logs -o json | jq -r '.[].name'`,
		Args: cmdutil.ArgsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Type, "type", "", "only flow logs of resources of this `TYPE`: nic, natgateway, nlb or alb")
	cmd.Flags().StringVar(&opts.Bucket, "bucket", "", "only flow logs writing to `BUCKET`")
	cmdutil.RegisterEnumCompletion(cmd, "type", "nic", "natgateway", "nlb", "alb")
	return cmd
}

func listRun(ctx context.Context, opts *Options) error {
	var filter engine.ListFilter
	if opts.Type != "" {
		t, err := flowlog.ParseResourceType(opts.Type)
		if err != nil {
			return err
		}
		filter.Type = t
	}
	if opts.Bucket != "" {
		b, _, err := flowlog.ParseTarget(opts.Bucket)
		if err != nil {
			return err
		}
		filter.Bucket = b
	}
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	logs, err := e.List(ctx, filter)
	if err != nil {
		return err
	}
	return cmdutil.PrintFlowLogs(opts.Factory, logs, false)
}
