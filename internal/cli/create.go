package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/flowlog"
)

type createOptions struct {
	resourceType flowlog.ResourceType
	resourceID   string
	target       string
	name         string
	direction    string
	action       string
	datacenterID string
	serverID     string
	noVerify     bool
}

// resourceFlags are the three ways to name the resource; exactly one is given.
var resourceFlags = []struct {
	flag string
	typ  flowlog.ResourceType
	desc string
}{
	{"nic", flowlog.NIC, "network interface `ID` (UUID)"},
	{"natgateway", flowlog.NATGateway, "managed NAT gateway `ID` (UUID)"},
	{"nlb", flowlog.NLB, "managed network load balancer `ID` (UUID)"},
}

func newCreateCmd(f *Factory) *cobra.Command {
	opts := &createOptions{}
	ids := make([]string, len(resourceFlags))
	cmd := &cobra.Command{
		Use:   "create (--nic ID | --natgateway ID | --nlb ID) --bucket BUCKET[/PREFIX] [flags]",
		Short: "Create a flow log for a NIC, NAT gateway or network load balancer",
		Long: `Create a flow log for one resource. A resource has at most one flow log, and a
flow log cannot be changed after it is created: to change one, use
'flowlog replace', which deletes and creates again in one transaction.

When object storage is configured (--endpoint, --region or --profile), the
bucket must exist and be reachable, as the service requires; --no-verify
skips the check for offline use.

The flow log writes one object every 10 minutes to BUCKET, named
[PREFIX/]NAME-<unix seconds>.log.gz. Without --name, a name is derived from the
resource.`,
		Example: `  flowlog create --nic 7ffd6527-ce80-4e57-a949-f9a45824ebe2 --bucket my-logs/web --direction ingress
  flowlog create --natgateway 0c2b4d1e-8f7a-4f5e-9d3c-2b1a0f9e8d7c --bucket my-logs --action rejected -o json`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			given := 0
			for i, rf := range resourceFlags {
				if cmd.Flags().Changed(rf.flag) {
					given++
					opts.resourceType, opts.resourceID = rf.typ, ids[i]
				}
			}
			if given != 1 {
				return usageErrorf("name exactly one resource: --nic, --natgateway or --nlb")
			}
			if !cmd.Flags().Changed("bucket") {
				return usageErrorf("--bucket is required: the existing bucket (and optional prefix) the flow log writes to")
			}
			return createRun(cmd, f, opts)
		},
	}
	fl := cmd.Flags()
	for i, rf := range resourceFlags {
		fl.StringVar(&ids[i], rf.flag, "", rf.desc)
	}
	fl.StringVar(&opts.target, "bucket", "", "the existing bucket (and optional one-segment prefix) to write to: `BUCKET[/PREFIX]`")
	fl.StringVar(&opts.name, "name", "", "flow log `NAME`, the first part of every object name (default derived from the resource)")
	fl.StringVar(&opts.direction, "direction", "bidirectional", "`DIRECTION` of the traffic to capture: ingress, egress or bidirectional")
	fl.StringVar(&opts.action, "action", "all", "firewall verdicts to capture, an `ACTION`: accepted, rejected or all")
	fl.StringVar(&opts.datacenterID, "datacenter-id", "", "data center `ID` of the resource (UUID, optional)")
	fl.StringVar(&opts.serverID, "server-id", "", "server `ID` of a NIC (UUID, optional)")
	fl.BoolVar(&opts.noVerify, "no-verify", false, "do not check that the bucket exists (for offline use)")
	cmd.MarkFlagsMutuallyExclusive("nic", "natgateway", "nlb")
	registerEnumCompletion(cmd, "direction", "ingress", "egress", "bidirectional")
	registerEnumCompletion(cmd, "action", "accepted", "rejected", "all")
	return cmd
}

func createRun(cmd *cobra.Command, f *Factory, opts *createOptions) error {
	fl, err := buildFlowLog(opts)
	if err != nil {
		return err
	}
	if err := f.verifyBucket(cmd.Context(), fl.Bucket, opts.noVerify); err != nil {
		return err
	}
	e, err := f.Engine(cmd.Context())
	if err != nil {
		return err
	}
	created, err := e.Create(cmd.Context(), fl)
	if err != nil {
		return err
	}
	return f.printFlowLogs([]flowlog.FlowLog{created}, true)
}

// buildFlowLog checks every flag value and assembles the configuration.
func buildFlowLog(opts *createOptions) (flowlog.FlowLog, error) {
	var fl flowlog.FlowLog
	var err error
	fl.ResourceType = opts.resourceType
	fl.ResourceID = strings.ToLower(opts.resourceID)
	if err := flowlog.ValidateResourceID(string(opts.resourceType), opts.resourceID); err != nil {
		return fl, err
	}
	if fl.Bucket, fl.Prefix, err = flowlog.ParseTarget(opts.target); err != nil {
		return fl, err
	}
	if fl.Direction, err = flowlog.ParseDirection(opts.direction); err != nil {
		return fl, err
	}
	if fl.Action, err = flowlog.ParseAction(opts.action); err != nil {
		return fl, err
	}
	fl.Name = opts.name
	if fl.Name == "" {
		fl.Name = flowlog.DefaultName(fl.ResourceType, fl.ResourceID)
	}
	if err := flowlog.ValidateName(fl.Name); err != nil {
		return fl, err
	}
	for _, id := range []struct{ flag, value string }{{"datacenter-id", opts.datacenterID}, {"server-id", opts.serverID}} {
		if id.value == "" {
			continue
		}
		if err := flowlog.ValidateResourceID(id.flag, id.value); err != nil {
			return fl, err
		}
	}
	fl.DatacenterID = strings.ToLower(opts.datacenterID)
	fl.ServerID = strings.ToLower(opts.serverID)
	if fl.ServerID != "" && fl.ResourceType != flowlog.NIC {
		return fl, usageErrorf("--server-id applies to a --nic only: NAT gateways and load balancers belong to a data center, not a server")
	}
	return fl, nil
}

// registerEnumCompletion completes a flag from a fixed list of values.
func registerEnumCompletion(cmd *cobra.Command, flag string, values ...string) {
	err := cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	if err != nil {
		panic(fmt.Sprintf("completion for --%s: %v", flag, err))
	}
}

// verifyBucket checks that a flow log's bucket exists and is reachable, when
// the user has said where object storage is.
func (f *Factory) verifyBucket(ctx context.Context, bucket string, skip bool) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	if skip || !cfg.StorageConfigured() {
		return nil
	}
	store, err := f.Store(ctx, bucket)
	if err != nil {
		return err
	}
	if err := store.BucketExists(ctx); err != nil {
		return &UserError{
			Err:    err,
			Code:   exitCode(err),
			Advice: storageHint(err) + "; --no-verify skips this check",
		}
	}
	return nil
}
