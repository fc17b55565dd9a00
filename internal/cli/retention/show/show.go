// Package show is 'flowlog retention show': the lifecycle rules that expire
// flow log objects.
package show

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/retention"
)

// Options are the parsed flags and arguments of 'flowlog retention show'.
type Options struct {
	Factory *cmdutil.Factory

	Sources []string // SOURCE...
	Objects cmdutil.ObjectFlags
}

// NewCmdShow builds the command; runF, when not nil, runs instead of
// showRun.
func NewCmdShow(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Factory: f}
	cmd := &cobra.Command{
		Use:   "show [SOURCE... [--name NAME] | --flowlog NAME...]",
		Short: "List the lifecycle rules that expire flow log objects",
		Long: `List the lifecycle rules of a flow log's bucket (--flowlog), of a bucket
(SOURCE s3://BUCKET[/PREFIX] or --bucket), or by default of every configured
flow log's bucket, that apply to flow log objects: flowlog's own rules and any
other whose prefix covers or overlaps the flow logs' keys. Flow logs no
enabled rule expires are named on standard error: their objects are kept
until deleted.`,
		Example: `  flowlog retention show
  flowlog retention show s3://my-logs -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Sources = args
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	opts.Objects.Add(cmd, f, "show rules for")
	return cmd
}

// keys are the JSON and CSV keys of a rule.
var keys = []string{"bucket", "rule_id", "prefix", "status", "expire_days", "expire_date", "managed_by", "flow_logs", "notes"}

var tableColumns = []string{"bucket", "rule", "prefix", "status", "expires", "by", "flow logs", "notes"}

// storeTargets are the objects to show in one store.
type storeTargets struct {
	bucket  string
	targets []flowlog.Objects
}

func showRun(ctx context.Context, opts *Options) error {
	f := opts.Factory
	format, err := cmdutil.OutputFormat(f, output.Table, output.Formats...)
	if err != nil {
		return err
	}
	groups, err := targets(ctx, opts)
	if err != nil {
		return err
	}
	columns := keys
	if format == output.Table {
		columns = tableColumns
	}
	w, err := output.NewWriter(format, f.IO.Out, columns, output.Options{})
	if err != nil {
		return err
	}
	for _, g := range groups {
		// The flow logs configured in a folder are named per rule.
		var configured []flowlog.FlowLog
		if i := slices.IndexFunc(g.targets, func(t flowlog.Objects) bool { return t.Name == "" }); i >= 0 {
			if configured, err = cmdutil.FlowLogsIn(ctx, f, g.targets[i]); err != nil {
				return err
			}
		}
		survey, err := retention.Examine(ctx, g.targets, configured)
		if err != nil {
			return cmdutil.LifecycleError(f, g.targets[0], err)
		}
		for _, r := range survey.Rules {
			if err := w.Write(row(g.bucket, r.Rule, r.FlowLogs, format)); err != nil {
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

// targets are the objects to show, by store, in the order given; by default
// every configured flow log's.
func targets(ctx context.Context, opts *Options) ([]*storeTargets, error) {
	f := opts.Factory
	var groups []*storeTargets
	byStore := map[string]*storeTargets{}
	add := func(objs flowlog.Objects) {
		g, ok := byStore[objs.Store.String()]
		if !ok {
			g = &storeTargets{bucket: cmdutil.BucketOf(objs)}
			byStore[objs.Store.String()] = g
			groups = append(groups, g)
		}
		g.targets = append(g.targets, objs)
	}
	if opts.Objects.Given(opts.Sources) {
		sets, err := cmdutil.ResolveObjects(ctx, f, opts.Sources, opts.Objects, "retention works on objects")
		if err != nil {
			return nil, err
		}
		for _, objs := range sets {
			add(objs)
		}
		return groups, nil
	}
	every, err := cmdutil.EveryFlowLog(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(every) == 0 {
		return nil, &cmdutil.UserError{Err: errors.New("no flow logs configured"), Code: cmdutil.ExitUsage,
			Advice: "name a bucket: flowlog retention show s3://BUCKET"}
	}
	for _, objs := range every {
		add(objs)
	}
	return groups, nil
}

func row(bucket string, r retention.Rule, flowLogs []string, format output.Format) []output.Value {
	status := "Disabled"
	if r.Enabled {
		status = "Enabled"
	}
	by := "other"
	if retention.Managed(r) {
		by = "flowlog"
	}
	notes := cmdutil.Optional(strings.Join(r.Other, "; "))
	logs := cmdutil.Optional(strings.Join(flowLogs, ","))
	if format == output.Table {
		expires := retention.DescribeExpiry(r)
		if !r.Enabled {
			expires = "-"
		}
		return []output.Value{output.Str(bucket), output.Str(r.ID), cmdutil.Optional(r.Prefix), output.Str(status),
			output.Str(expires), output.Str(by), logs, notes}
	}
	days := output.Value{}
	if r.ExpireDays > 0 {
		days = output.UintValue(uint64(r.ExpireDays))
	}
	return []output.Value{output.Str(bucket), output.Str(r.ID), output.Str(r.Prefix), output.Str(status),
		days, output.TimeValue(r.ExpireDate), output.Str(by), logs, notes}
}
