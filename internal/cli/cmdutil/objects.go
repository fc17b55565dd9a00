package cmdutil

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/flowlog/flowlog/internal/flowlog"
)

// ObjectFlags are the flags that name flow log objects, the same on every
// command that changes them: SOURCE arguments, a repeatable --flowlog, and
// --name to narrow a SOURCE to one flow log's objects. --bucket
// BUCKET[/PREFIX] is the older spelling of the SOURCE s3://BUCKET[/PREFIX].
type ObjectFlags struct {
	FlowLogs []string
	Bucket   string
	Name     string
}

// Add registers the flags on cmd; verb says what the command does to the
// objects, for the help text: "expire".
func (o *ObjectFlags) Add(cmd *cobra.Command, f *Factory, verb string) {
	fl := cmd.Flags()
	RepeatedVar(fl, &o.FlowLogs, "flowlog", verb+" the objects of a configured flow log, by `NAME|ID` (repeatable)")
	fl.StringVar(&o.Bucket, "bucket", "", verb+" every object under `BUCKET[/PREFIX]` (the same as the SOURCE s3://BUCKET[/PREFIX])")
	fl.StringVar(&o.Name, "name", "", "with SOURCE or --bucket: only the objects of the flow log named `NAME` (configured or not)")
	cmd.RegisterFlagCompletionFunc("flowlog", CompleteFlowLogs(f))
}

// Given reports whether any of the flags or sources names objects.
func (o *ObjectFlags) Given(sources []string) bool {
	return len(sources) > 0 || len(o.FlowLogs) > 0 || o.Bucket != "" || o.Name != ""
}

// ResolveObjects turns SOURCE arguments and the object flags into the sets
// of objects they name, in their stores. does says what the command does,
// for errors: "retention sets lifecycle rules".
func ResolveObjects(ctx context.Context, f *Factory, sources []string, o ObjectFlags, does string) ([]flowlog.Objects, error) {
	if o.Bucket != "" {
		sources = append([]string{"s3://" + strings.TrimPrefix(o.Bucket, "s3://")}, sources...)
	}
	switch {
	case len(sources) == 0 && len(o.FlowLogs) == 0:
		return nil, UsageErrorf("name the objects: SOURCE (s3://BUCKET[/PREFIX] or a folder), --flowlog NAME or --bucket BUCKET[/PREFIX]")
	case len(sources) == 0 && o.Name != "":
		return nil, UsageErrorf("--name goes with SOURCE or --bucket; --flowlog already names the flow log")
	case o.Name != "":
		if err := flowlog.ValidateName(o.Name); err != nil {
			return nil, err
		}
	}
	set, err := ResolveSources(ctx, f, sources, o.FlowLogs, SourceRules{ObjectsOnly: does, Name: o.Name})
	if err != nil {
		return nil, err
	}
	return set.ObjectSets(), nil
}

// BucketOf is the bucket the objects lie in; "" if their store is not a
// bucket.
func BucketOf(o flowlog.Objects) string {
	if b, ok := o.Store.(interface{ Bucket() string }); ok {
		return b.Bucket()
	}
	return ""
}

// FlowLogsIn returns the flow logs configured to write into the bucket the
// objects lie in: none for a store that is not a bucket.
func FlowLogsIn(ctx context.Context, f *Factory, o flowlog.Objects) ([]flowlog.FlowLog, error) {
	bucket := BucketOf(o)
	if bucket == "" {
		return nil, nil
	}
	reg, err := f.Registry(ctx, RegistryOptions{})
	if err != nil {
		return nil, err
	}
	return reg.List(ctx, flowlog.ListFilter{Bucket: bucket})
}

// FlowLogNames lists names for a message: "web01, web01-b".
func FlowLogNames(logs []flowlog.FlowLog) string {
	names := make([]string, len(logs))
	for i, fl := range logs {
		names[i] = fl.Name
	}
	return strings.Join(names, ", ")
}
