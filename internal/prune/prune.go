// Package prune owns deleting flow log objects by hand: choosing, from a
// listing, the objects a flow log wrote whose key time is before a cutoff,
// and deleting them in batches. It never chooses a key that is not a flow
// log object ("[prefix/]<name>-<unix seconds>.log.gz"), so notes, exports
// or other tools' files in the same bucket are safe from it.
package prune

import (
	"context"
	"errors"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
)

// BatchSize is the most keys deleted in one request: S3's limit for a
// multi-object delete.
const BatchSize = 1000

// Object is an object chosen for deletion.
type Object struct {
	objstore.Object
	Time time.Time // from its key
}

// Plan is what Select chose.
type Plan struct {
	Store   objstore.Store
	Objects []Object // in key order
	Bytes   int64    // their total size
	// Oldest and Newest are the earliest and latest key times chosen.
	Oldest, Newest time.Time

	Listed  int // keys listed
	Newer   int // flow log objects at or after the cutoff, kept
	Ignored int // keys that are not objects of the flow log(s), kept
}

// Select lists objs and chooses those whose key time is before cutoff; a
// zero cutoff chooses all of them. With objs.Name set, only that flow log's
// objects are candidates; otherwise every flow log object under the prefix.
func Select(ctx context.Context, objs flowlog.Objects, cutoff time.Time) (*Plan, error) {
	plan := &Plan{Store: objs.Store}
	err := objs.Store.List(ctx, objs.KeyPrefix(), "", func(o objstore.Object) error {
		plan.Listed++
		t, ok := objs.Holds(o.Key)
		if !ok {
			plan.Ignored++
			return nil
		}
		if !cutoff.IsZero() && !t.Before(cutoff) {
			plan.Newer++
			return nil
		}
		plan.Objects = append(plan.Objects, Object{Object: o, Time: t})
		plan.Bytes += o.Size
		if plan.Oldest.IsZero() || t.Before(plan.Oldest) {
			plan.Oldest = t
		}
		if t.After(plan.Newest) {
			plan.Newest = t
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return plan, nil
}

// Result is what Delete did.
type Result struct {
	Deleted int
	Failed  []objstore.KeyError
	// NotTried counts the keys left alone after a batch failed as a whole,
	// which means every further batch would fail the same way.
	NotTried int
}

// Delete deletes the plan's objects in batches of BatchSize, calling
// progress (if not nil) with the number of keys done after each batch. It
// stops early when the context ends, or after a batch of which no key was
// deleted. The error is a *objstore.DeleteError for keys that could not be
// deleted, or the context's error.
func (p *Plan) Delete(ctx context.Context, progress func(done int)) (Result, error) {
	var res Result
	var stopErr error
	for start := 0; start < len(p.Objects); start += BatchSize {
		if err := ctx.Err(); err != nil {
			res.NotTried, stopErr = len(p.Objects)-start, err
			break
		}
		batch := p.Objects[start:min(start+BatchSize, len(p.Objects))]
		keys := make([]string, len(batch))
		for i, o := range batch {
			keys[i] = o.Key
		}
		failed := deleteBatch(ctx, p.Store, keys)
		res.Deleted += len(keys) - len(failed)
		res.Failed = append(res.Failed, failed...)
		if progress != nil {
			progress(start + len(keys))
		}
		if len(failed) == len(keys) {
			res.NotTried = len(p.Objects) - start - len(keys)
			break
		}
	}
	if len(res.Failed) > 0 {
		return res, &objstore.DeleteError{Failed: res.Failed}
	}
	return res, stopErr
}

// deleteBatch deletes keys in one call and returns those not deleted.
func deleteBatch(ctx context.Context, store objstore.Store, keys []string) []objstore.KeyError {
	err := store.Delete(ctx, keys)
	if err == nil {
		return nil
	}
	var de *objstore.DeleteError
	if errors.As(err, &de) {
		return de.Failed
	}
	failed := make([]objstore.KeyError, len(keys))
	for i, k := range keys {
		failed[i] = objstore.KeyError{Key: k, Err: err}
	}
	return failed
}
