// Package list is 'flowlog list': the configured flow logs.
package list

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/flowlog"
)

// Options are the parsed flags of 'flowlog list'.
type Options struct {
	Factory *cmdutil.Factory

	Type         string // --type
	Bucket       string // --bucket
	DatacenterID string // --datacenter-id
}

// NewCmdList builds the command; runF, when not nil, runs instead of
// listRun.
func NewCmdList(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:     "list [--type nic|natgateway|nlb|alb] [--bucket BUCKET] [--datacenter-id ID]",
		Aliases: []string{"ls"},
		Short:   "List flow logs",
		Long: `List flow logs, oldest first.

Against the Cloud API, flowlog walks every data center the credentials can
see: its servers and their NICs, its NAT gateways and its network and
application load balancers, asking for the levels below with depth, several
requests at a time. --datacenter-id looks in one data center only.`,
		Example: `  flowlog list
  flowlog list --type nic --bucket my-logs -o json | jq -r '.[].name'
  flowlog list --datacenter-id 0c2b4d1e-8f7a-4f5e-9d3c-2b1a0f9e8d7c`,
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
	cmd.Flags().StringVar(&opts.DatacenterID, "datacenter-id", "", "only flow logs of resources in the data center with this `ID`")
	cmdutil.RegisterEnumCompletion(cmd, "type", "nic", "natgateway", "nlb", "alb")
	return cmd
}

func listRun(ctx context.Context, opts *Options) error {
	var filter flowlog.ListFilter
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
	if opts.DatacenterID != "" {
		if err := flowlog.ValidateResourceID("datacenter-id", opts.DatacenterID); err != nil {
			return err
		}
		filter.DatacenterID = opts.DatacenterID
	}
	reg, err := opts.Factory.Registry(ctx, cmdutil.RegistryOptions{})
	if err != nil {
		return err
	}
	logs, err := reg.List(ctx, filter)
	if err != nil {
		return err
	}
	return cmdutil.PrintFlowLogs(opts.Factory, logs, false)
}
