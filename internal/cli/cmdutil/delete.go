package cmdutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/prune"
)

// maxFailuresShown bounds the failed keys listed on stderr.
const maxFailuresShown = 10

// DeletePlan deletes what a plan chose, reports on stderr, and returns the
// objects deleted. The error names the keys that could not be deleted.
func DeletePlan(ctx context.Context, f *Factory, plan *prune.Plan, where string) ([]prune.Object, error) {
	bar := NewProgress(f.IO, len(plan.Objects), false)
	done := 0
	res, err := plan.Delete(ctx, func(n int) {
		for ; done < n; done++ {
			bar.Done(0)
		}
	})
	bar.Finish()

	failed := make(map[string]bool, len(res.Failed))
	for _, k := range res.Failed {
		failed[k.Key] = true
	}
	var deleted []prune.Object
	var bytes int64
	for _, o := range plan.Objects[:len(plan.Objects)-res.NotTried] {
		if !failed[o.Key] {
			deleted = append(deleted, o)
			bytes += o.Size
		}
	}
	w := f.IO.ErrOut
	fmt.Fprintf(w, "deleted %s (%s) from %s\n", output.Count(len(deleted), "object"), output.BinarySizeText(uint64(bytes)), where)
	for i, k := range res.Failed {
		if i == maxFailuresShown {
			fmt.Fprintf(w, "  … and %d more\n", len(res.Failed)-maxFailuresShown)
			break
		}
		fmt.Fprintf(w, "  not deleted: %s: %v\n", k.Key, k.Err)
	}
	if res.NotTried > 0 {
		fmt.Fprintf(w, "stopped: %s not tried\n", output.Count(res.NotTried, "object"))
	}
	var de *objstore.DeleteError
	if errors.As(err, &de) {
		return deleted, WithHint(fmt.Errorf("%s: %w", where, err), "run the same prune again to retry; "+storageHintOr(err, "objects already deleted are not listed again"))
	}
	return deleted, err
}

// storageHintOr is the storage hint for err, or def.
func storageHintOr(err error, def string) string {
	if h := StorageHint(err); h != "" {
		return h
	}
	return def
}
