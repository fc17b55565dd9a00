// Package create is 'flowlog create': a flow log for one resource.
package create

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/flowlog"
)

// Options are the parsed flags of 'flowlog create'.
type Options struct {
	Factory *cmdutil.Factory

	ResourceType flowlog.ResourceType
	ResourceID   string
	Target       string // --bucket BUCKET[/PREFIX]
	Name         string
	Direction    string
	Action       string
	DatacenterID string
	ServerID     string
	NoVerify     bool
}

// resourceFlags are the ways to name the resource; exactly one is given.
var resourceFlags = []struct {
	flag string
	typ  flowlog.ResourceType
	desc string
}{
	{"nic", flowlog.NIC, "network interface `ID` (UUID)"},
	{"natgateway", flowlog.NATGateway, "managed NAT gateway `ID` (UUID)"},
	{"nlb", flowlog.NLB, "managed network load balancer `ID` (UUID)"},
	{"alb", flowlog.ALB, "managed application load balancer `ID` (UUID)"},
}

// NewCmdCreate builds the command; runF, when not nil, runs instead of
// createRun, so a test can see the parsed options.
func NewCmdCreate(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	ids := make([]string, len(resourceFlags))
	cmd := &cobra.Command{
		Use:   "create (--nic ID | --natgateway ID | --nlb ID | --alb ID) --bucket BUCKET[/PREFIX] [flags]",
		Short: "Create a flow log for a NIC, NAT gateway or load balancer",
		Long: `Create a flow log for one resource. A resource has at most one flow log, and a
flow log cannot be changed after it is created: to change one, use
'flowlog replace', which deletes and creates again in one transaction.

The bucket must exist and be reachable, as the service requires;
'flowlog bucket create' makes one. With object storage configured
(--endpoint, --region or --profile), it is a bucket there; with none, a
folder under the storage root ($XDG_DATA_HOME/flowlog/buckets, or
FLOWLOG_STORAGE_ROOT). --no-verify skips the check.

The flow log writes one object every 10 minutes to BUCKET, named
[PREFIX/]NAME-<unix seconds>.log.gz. Without --name, a name is derived from the
resource.`,
		Example: `  flowlog bucket create my-logs
  flowlog create --nic 7ffd6527-ce80-4e57-a949-f9a45824ebe2 --bucket my-logs/web --direction ingress
  flowlog create --natgateway 0c2b4d1e-8f7a-4f5e-9d3c-2b1a0f9e8d7c --bucket my-logs --action rejected -o json`,
		Args: cmdutil.ArgsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			given := 0
			for i, rf := range resourceFlags {
				if cmd.Flags().Changed(rf.flag) {
					given++
					opts.ResourceType, opts.ResourceID = rf.typ, ids[i]
				}
			}
			if given != 1 {
				return cmdutil.UsageErrorf("name exactly one resource: --nic, --natgateway, --nlb or --alb")
			}
			if !cmd.Flags().Changed("bucket") {
				return cmdutil.UsageErrorf("--bucket is required: the existing bucket (and optional prefix) the flow log writes to")
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	for i, rf := range resourceFlags {
		fl.StringVar(&ids[i], rf.flag, "", rf.desc)
	}
	fl.StringVar(&opts.Target, "bucket", "", "the existing bucket (and optional one-segment prefix) to write to: `BUCKET[/PREFIX]`")
	fl.StringVar(&opts.Name, "name", "", "flow log `NAME`, the first part of every object name (default derived from the resource)")
	fl.StringVar(&opts.Direction, "direction", "bidirectional", "`DIRECTION` of the traffic to capture: ingress, egress or bidirectional")
	fl.StringVar(&opts.Action, "action", "all", "firewall verdicts to capture, an `ACTION`: accepted, rejected or all")
	fl.StringVar(&opts.DatacenterID, "datacenter-id", "", "data center `ID` of the resource (UUID, optional)")
	fl.StringVar(&opts.ServerID, "server-id", "", "server `ID` of a NIC (UUID, optional)")
	fl.BoolVar(&opts.NoVerify, "no-verify", false, "do not check that the bucket exists")
	// Not MarkFlagsMutuallyExclusive: cobra's group error would exit 1, and
	// naming two resources is a usage error (exit 2), reported by RunE.
	cmdutil.RegisterEnumCompletion(cmd, "direction", "ingress", "egress", "bidirectional")
	cmdutil.RegisterEnumCompletion(cmd, "action", "accepted", "rejected", "all")
	return cmd
}

func createRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	fl, err := opts.flowLog()
	if err != nil {
		return err
	}
	if err := cmdutil.VerifyBucket(ctx, f, fl.Bucket, opts.NoVerify); err != nil {
		return err
	}
	e, err := f.Engine(ctx)
	if err != nil {
		return err
	}
	created, err := e.Create(ctx, fl)
	if err != nil {
		return err
	}
	return cmdutil.PrintFlowLogs(f, []flowlog.FlowLog{created}, true)
}

// flowLog checks every flag value and assembles the configuration.
func (opts *Options) flowLog() (flowlog.FlowLog, error) {
	var fl flowlog.FlowLog
	var err error
	fl.ResourceType = opts.ResourceType
	fl.ResourceID = strings.ToLower(opts.ResourceID)
	if err := flowlog.ValidateResourceID(string(opts.ResourceType), opts.ResourceID); err != nil {
		return fl, err
	}
	if fl.Bucket, fl.Prefix, err = flowlog.ParseTarget(opts.Target); err != nil {
		return fl, err
	}
	if fl.Direction, err = flowlog.ParseDirection(opts.Direction); err != nil {
		return fl, err
	}
	if fl.Action, err = flowlog.ParseAction(opts.Action); err != nil {
		return fl, err
	}
	fl.Name = opts.Name
	if fl.Name == "" {
		fl.Name = flowlog.DefaultName(fl.ResourceType, fl.ResourceID)
	}
	if err := flowlog.ValidateName(fl.Name); err != nil {
		return fl, err
	}
	for _, id := range []struct{ flag, value string }{{"datacenter-id", opts.DatacenterID}, {"server-id", opts.ServerID}} {
		if id.value == "" {
			continue
		}
		if err := flowlog.ValidateResourceID(id.flag, id.value); err != nil {
			return fl, err
		}
	}
	fl.DatacenterID = strings.ToLower(opts.DatacenterID)
	fl.ServerID = strings.ToLower(opts.ServerID)
	if fl.ServerID != "" && fl.ResourceType != flowlog.NIC {
		return fl, cmdutil.UsageErrorf("--server-id applies to a --nic only: NAT gateways and load balancers belong to a data center, not a server")
	}
	return fl, nil
}
