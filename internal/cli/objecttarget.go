package cli

import (
	"context"
	"strings"

	"github.com/flowlog/flowlog/internal/engine"
	"github.com/flowlog/flowlog/internal/flowlog"
)

// objectTarget is a set of flow log objects in a bucket, as retention and
// prune name them: one flow log's (name set), or every flow log's in a
// folder of the bucket.
type objectTarget struct {
	bucket string
	prefix string // the folder, "" for the top of the bucket
	name   string // one flow log, or ""
}

// keyPrefix is the key prefix all the target's objects start with:
// "web/web01-" for a flow log, "web/" or "" for a folder.
func (t objectTarget) keyPrefix() string {
	if t.name != "" {
		return flowlog.ObjectKeyPrefix(t.prefix, t.name)
	}
	if t.prefix == "" {
		return ""
	}
	return t.prefix + "/"
}

// bucketAndPrefix is "bucket" or "bucket/prefix", as --bucket takes it.
func (t objectTarget) bucketAndPrefix() string {
	if t.prefix == "" {
		return t.bucket
	}
	return t.bucket + "/" + t.prefix
}

// String names the objects as a pattern: "s3://my-logs/web/web01-*".
func (t objectTarget) String() string {
	return "s3://" + t.bucket + "/" + t.keyPrefix() + "*"
}

// resolveObjectTarget turns --flowlog REF, or --bucket BUCKET[/PREFIX] with
// an optional --name (a flow log that may no longer be configured), into a
// target. Exactly one of flowLogRef and bucketArg must be set.
func (f *Factory) resolveObjectTarget(ctx context.Context, flowLogRef, bucketArg, name string) (objectTarget, error) {
	switch {
	case flowLogRef != "" && bucketArg != "":
		return objectTarget{}, usageErrorf("--flowlog and --bucket name the objects twice: give one")
	case flowLogRef == "" && bucketArg == "":
		return objectTarget{}, usageErrorf("name the objects: --flowlog NAME or --bucket BUCKET[/PREFIX]")
	case flowLogRef != "" && name != "":
		return objectTarget{}, usageErrorf("--name goes with --bucket; --flowlog already names the flow log")
	}
	if flowLogRef != "" {
		e, err := f.Engine(ctx)
		if err != nil {
			return objectTarget{}, err
		}
		fl, err := e.Get(ctx, flowLogRef)
		if err != nil {
			return objectTarget{}, err
		}
		return objectTarget{bucket: fl.Bucket, prefix: fl.Prefix, name: fl.Name}, nil
	}
	bucket, prefix, err := flowlog.ParseTarget(strings.TrimPrefix(bucketArg, "s3://"))
	if err != nil {
		return objectTarget{}, err
	}
	if name != "" {
		if err := flowlog.ValidateName(name); err != nil {
			return objectTarget{}, err
		}
	}
	return objectTarget{bucket: bucket, prefix: prefix, name: name}, nil
}

// flowLogsUnder returns the configured flow logs whose objects all lie
// under keyPrefix in bucket.
func (f *Factory) flowLogsUnder(ctx context.Context, bucket, keyPrefix string) ([]flowlog.FlowLog, error) {
	e, err := f.Engine(ctx)
	if err != nil {
		return nil, err
	}
	logs, err := e.List(ctx, engine.ListFilter{Bucket: bucket})
	if err != nil {
		return nil, err
	}
	var under []flowlog.FlowLog
	for _, fl := range logs {
		if strings.HasPrefix(flowlog.ObjectKeyPrefix(fl.Prefix, fl.Name), keyPrefix) {
			under = append(under, fl)
		}
	}
	return under, nil
}

// flowLogNames lists names for a message: "web01, web01-b".
func flowLogNames(logs []flowlog.FlowLog) string {
	names := make([]string, len(logs))
	for i, fl := range logs {
		names[i] = fl.Name
	}
	return strings.Join(names, ", ")
}
