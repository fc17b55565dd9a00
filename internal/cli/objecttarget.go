package cli

import (
	"context"
	"strings"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
)

// resolveObjects turns --flowlog REF, or --bucket BUCKET[/PREFIX] with an
// optional --name (a flow log that may no longer be configured), into the
// objects they name, in their bucket's store. Exactly one of flowLogRef and
// bucketArg must be set.
func (f *Factory) resolveObjects(ctx context.Context, flowLogRef, bucketArg, name string) (flowlog.Objects, error) {
	switch {
	case flowLogRef != "" && bucketArg != "":
		return flowlog.Objects{}, usageErrorf("--flowlog and --bucket name the objects twice: give one")
	case flowLogRef == "" && bucketArg == "":
		return flowlog.Objects{}, usageErrorf("name the objects: --flowlog NAME or --bucket BUCKET[/PREFIX]")
	case flowLogRef != "" && name != "":
		return flowlog.Objects{}, usageErrorf("--name goes with --bucket; --flowlog already names the flow log")
	}
	var bucket, prefix string
	if flowLogRef != "" {
		e, err := f.Engine(ctx)
		if err != nil {
			return flowlog.Objects{}, err
		}
		fl, err := e.Get(ctx, flowLogRef)
		if err != nil {
			return flowlog.Objects{}, err
		}
		bucket, prefix, name = fl.Bucket, fl.Prefix, fl.Name
	} else {
		var err error
		bucket, prefix, err = flowlog.ParseTarget(strings.TrimPrefix(bucketArg, "s3://"))
		if err != nil {
			return flowlog.Objects{}, err
		}
		if name != "" {
			if err := flowlog.ValidateName(name); err != nil {
				return flowlog.Objects{}, err
			}
		}
	}
	store, err := f.Store(ctx, bucket)
	if err != nil {
		return flowlog.Objects{}, err
	}
	return flowlog.Objects{Store: store, Prefix: prefix, Name: name}, nil
}

// bucketOf is the bucket the objects lie in; "" if their store is not a
// bucket.
func bucketOf(o flowlog.Objects) string {
	if b, ok := o.Store.(interface{ Bucket() string }); ok {
		return b.Bucket()
	}
	return ""
}

// flowLogsIn returns the flow logs configured to write into the bucket the
// objects lie in: none for a store that is not a bucket.
func (f *Factory) flowLogsIn(ctx context.Context, o flowlog.Objects) ([]flowlog.FlowLog, error) {
	bucket := bucketOf(o)
	if bucket == "" {
		return nil, nil
	}
	e, err := f.Engine(ctx)
	if err != nil {
		return nil, err
	}
	return e.List(ctx, engine.ListFilter{Bucket: bucket})
}

// flowLogNames lists names for a message: "web01, web01-b".
func flowLogNames(logs []flowlog.FlowLog) string {
	names := make([]string, len(logs))
	for i, fl := range logs {
		names[i] = fl.Name
	}
	return strings.Join(names, ", ")
}
