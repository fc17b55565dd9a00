package cli

import (
	"context"
	"errors"
	"time"

	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/source"
)

// follow polls the sources for objects that were not there before and runs
// print over them, until the context ends (Ctrl-C), which is a clean stop.
func follow(ctx context.Context, f *Factory, q *query.Query, sources *sourceSet, opts *queryOptions, total *query.Stats, print func(*query.Query) (query.Stats, error)) error {
	seen := map[string]time.Time{}
	for _, in := range q.Inputs {
		seen[in.Name] = f.Now()
	}
	tick := time.NewTicker(opts.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		now := f.Now()
		// New objects carry recent times in their keys; listing from a
		// margin back covers late deliveries without relisting everything.
		var listed source.Stats
		inputs, err := sources.inputs(ctx, source.Window{Since: now.Add(-2 * source.Margin)}, &listed)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		fresh := inputs[:0]
		for _, in := range inputs {
			if _, ok := seen[in.Name]; !ok && in.Name != "<stdin>" {
				seen[in.Name] = now
				fresh = append(fresh, in)
			}
		}
		for name, at := range seen {
			if now.Sub(at) > 4*source.Margin {
				delete(seen, name)
			}
		}
		if len(fresh) == 0 {
			continue
		}
		q.Inputs = fresh
		stats, err := print(q)
		total.Sources += stats.Sources
		total.BytesRead += stats.BytesRead
		total.Records += stats.Records
		total.Matched += stats.Matched
		total.Skipped += stats.Skipped
		if err != nil {
			if errors.Is(err, context.Canceled) || ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}
