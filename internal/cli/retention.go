package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore/s3store"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/retention"
)

// lifecycleConfigs is what a server may not implement, for
// notImplementedHint.
const lifecycleConfigs = "bucket lifecycle configurations"

func ruleIDs(rules []retention.Rule) string {
	ids := make([]string, len(rules))
	for i, r := range rules {
		ids[i] = fmt.Sprintf("%q", r.ID)
	}
	return strings.Join(ids, ", ")
}

// notImplementedHint explains a request the server does not implement.
func notImplementedHint(err error, what string) error {
	if errors.Is(err, s3store.ErrNotImplemented) {
		return withHint(err, "this server does not implement "+what+" (MinIO, for one, does not); IONOS Object Storage and AWS S3 do")
	}
	return err
}

func newRetentionCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "retention",
		Short: "Expire flow log objects with a bucket lifecycle rule",
		Long: `Flow log objects stay in their bucket until deleted. A lifecycle rule of the
bucket has the storage delete them a number of days after they were written.

flowlog's rules have IDs starting "` + retention.RuleIDPrefix + `"; it adds them to the
bucket's other lifecycle rules and never changes or removes a rule it did not
make. See also 'flowlog prune' to delete old objects now.`,
		GroupID: "records",
	}
	cmd.AddCommand(newRetentionSetCmd(f), newRetentionShowCmd(f), newRetentionClearCmd(f))
	return cmd
}

type retentionOptions struct {
	flowLog string
	bucket  string
	name    string
	days    int
	yes     bool
}

func (o *retentionOptions) addTargetFlags(cmd *cobra.Command, f *Factory, verb string) {
	fl := cmd.Flags()
	fl.StringVar(&o.flowLog, "flowlog", "", verb+" the objects of a configured flow log, by `NAME|ID`")
	fl.StringVar(&o.bucket, "bucket", "", verb+" every object under `BUCKET[/PREFIX]`")
	fl.StringVar(&o.name, "name", "", "with --bucket: only the objects of the flow log named `NAME` (configured or not)")
	cmd.RegisterFlagCompletionFunc("flowlog", completeFlowLogs(f))
}

func newRetentionSetCmd(f *Factory) *cobra.Command {
	opts := &retentionOptions{}
	cmd := &cobra.Command{
		Use:   "set (--flowlog NAME | --bucket BUCKET[/PREFIX] [--name NAME]) --days N",
		Short: "Have a bucket's lifecycle expire flow log objects after N days",
		Long: `Add a lifecycle rule to the bucket that expires the objects of a flow log
(--flowlog) or every object under a bucket prefix (--bucket) N days after they
were written. The bucket's other lifecycle rules are kept as they are; an
earlier flowlog rule for the same objects is replaced.

flowlog shows the change and asks on a terminal; elsewhere it needs --yes.`,
		Example: `  flowlog retention set --flowlog web-ingress --days 30
  flowlog retention set --bucket my-logs/web --days 90 --yes`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return retentionSetRun(cmd.Context(), f, opts)
		},
	}
	opts.addTargetFlags(cmd, f, "expire")
	cmd.Flags().IntVar(&opts.days, "days", 0, "expire objects `N` days after they were written")
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "change the lifecycle without asking")
	return cmd
}

func retentionSetRun(ctx context.Context, f *Factory, opts *retentionOptions) error {
	if opts.days < 1 || opts.days > math.MaxInt32 {
		return usageErrorf("--days must be a whole number of days, at least 1")
	}
	objs, err := f.resolveObjects(ctx, opts.flowLog, opts.bucket, opts.name)
	if err != nil {
		return err
	}
	var configured []flowlog.FlowLog
	if objs.Name != "" {
		// The plan names the other flow logs whose keys start the same
		// way; a folder's rule says it expires everything under it, so
		// --bucket alone does not open the database.
		if configured, err = f.flowLogsIn(ctx, objs); err != nil {
			return err
		}
	}
	plan, err := retention.PlanSet(ctx, objs, opts.days, configured)
	if err != nil {
		return notImplementedHint(err, lifecycleConfigs)
	}
	if plan.Unchanged() {
		fmt.Fprintf(f.IO.ErrOut, "%s already expire %s (rule %q): nothing to change\n", objs, retention.DescribeExpiry(plan.Rule), plan.Rule.ID)
		return nil
	}
	previewRetention(f.IO.ErrOut, plan)
	if err := f.confirm(opts.yes, "change the lifecycle of "+objs.Store.String()+"?"); err != nil {
		return err
	}
	if err := plan.Apply(ctx); err != nil {
		return notImplementedHint(err, lifecycleConfigs)
	}
	fmt.Fprintf(f.IO.ErrOut, "set: %s expire %s\n", objs, retention.DescribeExpiry(plan.Rule))
	return nil
}

// previewRetention shows a rule about to be set, for set and for delete
// --expire-objects.
func previewRetention(w io.Writer, p *retention.SetPlan) {
	was := "a new rule"
	if p.Old != nil {
		was = "was: " + retention.DescribeExpiry(*p.Old)
		if !p.Old.Enabled {
			was += ", disabled"
		}
	}
	fmt.Fprintf(w, "lifecycle of %s, rule %q:\n", p.Objects.Store, p.Rule.ID)
	fmt.Fprintf(w, "  %s expire %s (%s)\n", p.Objects, retention.DescribeExpiry(p.Rule), was)
	if len(p.Others) > 0 {
		fmt.Fprintf(w, "  kept as they are: %s\n", ruleIDs(p.Others))
	}
	switch {
	case p.Objects.KeyPrefix() == "":
		fmt.Fprintf(w, "warning: the rule expires every object in the bucket, not only flow log objects\n")
	case p.Objects.Name == "":
		fmt.Fprintf(w, "note: the rule expires every object under %s, not only flow log objects\n", p.Objects.KeyPrefix())
	}
	if len(p.AlsoCovers) > 0 {
		fmt.Fprintf(w, "note: the rule also expires the objects of flow log %s, whose keys start the same way\n", flowLogNames(p.AlsoCovers))
	}
	for _, r := range p.Overlapping {
		fmt.Fprintf(w, "note: rule %q (prefix %q) also expires some of these objects, %s; each object expires by whichever rule comes first\n",
			r.ID, r.Prefix, retention.DescribeExpiry(r))
	}
}

func newRetentionClearCmd(f *Factory) *cobra.Command {
	opts := &retentionOptions{}
	cmd := &cobra.Command{
		Use:   "clear (--flowlog NAME | --bucket BUCKET[/PREFIX] [--name NAME])",
		Short: "Remove flowlog's lifecycle rule for flow log objects",
		Long: `Remove the lifecycle rule 'flowlog retention set' made for the same objects.
Other rules stay; if no rule is left, the bucket's lifecycle configuration is
deleted. Without such a rule, there is nothing to do and clear says so.`,
		Example: `  flowlog retention clear --flowlog web-ingress
  flowlog retention clear --bucket my-logs/web --yes`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return retentionClearRun(cmd.Context(), f, opts)
		},
	}
	opts.addTargetFlags(cmd, f, "stop expiring")
	cmd.Flags().BoolVarP(&opts.yes, "yes", "y", false, "change the lifecycle without asking")
	return cmd
}

func retentionClearRun(ctx context.Context, f *Factory, opts *retentionOptions) error {
	objs, err := f.resolveObjects(ctx, opts.flowLog, opts.bucket, opts.name)
	if err != nil {
		return err
	}
	plan, err := retention.PlanClear(ctx, objs)
	if errors.Is(err, retention.ErrNoRule) {
		fmt.Fprintf(f.IO.ErrOut, "%s has no flowlog rule for %s: nothing to change\n", objs.Store, objs)
		return nil
	}
	if err != nil {
		return notImplementedHint(err, lifecycleConfigs)
	}
	w := f.IO.ErrOut
	fmt.Fprintf(w, "lifecycle of %s:\n", objs.Store)
	fmt.Fprintf(w, "  remove rule %q: %s expire %s\n", plan.Rule.ID, objs, retention.DescribeExpiry(plan.Rule))
	if len(plan.Others) == 0 {
		fmt.Fprintln(w, "  no rule is left: the lifecycle configuration is deleted")
	} else {
		fmt.Fprintf(w, "  kept as they are: %s\n", ruleIDs(plan.Others))
	}
	if err := f.confirm(opts.yes, "change the lifecycle of "+objs.Store.String()+"?"); err != nil {
		return err
	}
	if err := plan.Apply(ctx); err != nil {
		return notImplementedHint(err, lifecycleConfigs)
	}
	if len(plan.Still) > 0 {
		fmt.Fprintf(w, "removed rule %q; rule %s still expires some of %s\n", plan.Rule.ID, ruleIDs(plan.Still), objs)
	} else {
		fmt.Fprintf(w, "removed rule %q: %s are kept until deleted\n", plan.Rule.ID, objs)
	}
	return nil
}

func newRetentionShowCmd(f *Factory) *cobra.Command {
	opts := &retentionOptions{}
	cmd := &cobra.Command{
		Use:   "show [--flowlog NAME | --bucket BUCKET[/PREFIX] [--name NAME]]",
		Short: "List the lifecycle rules that expire flow log objects",
		Long: `List the lifecycle rules of a flow log's bucket (--flowlog), of a bucket
(--bucket), or by default of every configured flow log's bucket, that apply to
flow log objects: flowlog's own rules and any other whose prefix covers or
overlaps the flow logs' keys. Flow logs no enabled rule expires are named on
standard error: their objects are kept until deleted.`,
		Example: `  flowlog retention show
  flowlog retention show --bucket my-logs -o json`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			return retentionShowRun(cmd.Context(), f, opts)
		},
	}
	opts.addTargetFlags(cmd, f, "show rules for")
	return cmd
}

// retentionKeys are the JSON and CSV keys of a rule in 'retention show'.
var retentionKeys = []string{"bucket", "rule_id", "prefix", "status", "expire_days", "expire_date", "managed_by", "flow_logs", "notes"}

var retentionTableColumns = []string{"bucket", "rule", "prefix", "status", "expires", "by", "flow logs", "notes"}

func retentionShowRun(ctx context.Context, f *Factory, opts *retentionOptions) error {
	format, err := f.outputFormat(output.Table, output.Formats...)
	if err != nil {
		return err
	}
	// The objects to show, by bucket, in the order given.
	type bucketTargets struct {
		bucket  string
		targets []flowlog.Objects
	}
	var groups []*bucketTargets
	if opts.flowLog != "" || opts.bucket != "" || opts.name != "" {
		objs, err := f.resolveObjects(ctx, opts.flowLog, opts.bucket, opts.name)
		if err != nil {
			return err
		}
		groups = append(groups, &bucketTargets{bucketOf(objs), []flowlog.Objects{objs}})
	} else {
		e, err := f.Engine(ctx)
		if err != nil {
			return err
		}
		logs, err := e.List(ctx, engine.ListFilter{})
		if err != nil {
			return err
		}
		if len(logs) == 0 {
			return &UserError{Err: errors.New("no flow logs configured"), Code: ExitUsage,
				Advice: "name a bucket: flowlog retention show --bucket BUCKET"}
		}
		byBucket := map[string]*bucketTargets{}
		for _, fl := range logs {
			g, ok := byBucket[fl.Bucket]
			if !ok {
				g = &bucketTargets{bucket: fl.Bucket}
				byBucket[fl.Bucket] = g
				groups = append(groups, g)
			}
			store, err := f.Store(ctx, fl.Bucket)
			if err != nil {
				return err
			}
			g.targets = append(g.targets, flowlog.ObjectsOf(fl, store))
		}
	}

	columns := retentionKeys
	if format == output.Table {
		columns = retentionTableColumns
	}
	w, err := output.NewWriter(format, f.IO.Out, columns, output.Options{})
	if err != nil {
		return err
	}
	for _, g := range groups {
		// The flow logs configured in a folder are named per rule.
		var configured []flowlog.FlowLog
		if i := slices.IndexFunc(g.targets, func(t flowlog.Objects) bool { return t.Name == "" }); i >= 0 {
			if configured, err = f.flowLogsIn(ctx, g.targets[i]); err != nil {
				return err
			}
		}
		survey, err := retention.Examine(ctx, g.targets, configured)
		if err != nil {
			return notImplementedHint(err, lifecycleConfigs)
		}
		for _, r := range survey.Rules {
			if err := w.Write(retentionRow(g.bucket, r.Rule, r.FlowLogs, format)); err != nil {
				return err
			}
		}
		if len(survey.Rules) == 0 {
			for _, t := range g.targets {
				fmt.Fprintf(f.IO.ErrOut, "no lifecycle rule applies to %s: the objects are kept until deleted\n", t)
			}
			continue
		}
		for _, l := range survey.Unexpired {
			fmt.Fprintf(f.IO.ErrOut, "no enabled rule expires all of flow log %s's objects (%s): they are kept until deleted\n", l.Name, l)
		}
	}
	return w.Close()
}

func retentionRow(bucket string, r retention.Rule, flowLogs []string, format output.Format) []output.Value {
	status := "Disabled"
	if r.Enabled {
		status = "Enabled"
	}
	by := "other"
	if retention.Managed(r) {
		by = "flowlog"
	}
	notes := optional(strings.Join(r.Other, "; "))
	logs := optional(strings.Join(flowLogs, ","))
	if format == output.Table {
		expires := retention.DescribeExpiry(r)
		if !r.Enabled {
			expires = "-"
		}
		return []output.Value{output.Str(bucket), output.Str(r.ID), optional(r.Prefix), output.Str(status),
			output.Str(expires), output.Str(by), logs, notes}
	}
	days := output.Value{}
	if r.ExpireDays > 0 {
		days = output.UintValue(uint64(r.ExpireDays))
	}
	return []output.Value{output.Str(bucket), output.Str(r.ID), output.Str(r.Prefix), output.Str(status),
		days, output.TimeValue(r.ExpireDate), output.Str(by), logs, notes}
}
