package query

import (
	"context"
	"errors"
	"path"
	"path/filepath"
	"time"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/source"
)

// follow polls the sources for objects that were not there before and runs
// print over them, until the context ends (Ctrl-C), which is a clean stop.
func follow(ctx context.Context, opts *Options, q *query.Query, sources *cmdutil.Sources, total *query.Stats, print func(*query.Query) (query.Stats, error)) error {
	// seen holds the inputs read, with the time in their key; inputs
	// without one (record files named otherwise) are kept for good, so they
	// are never read twice.
	seen := map[string]time.Time{}
	for _, in := range q.Inputs {
		seen[in.Name] = keyTime(in.Name)
	}
	listed := sources.Listed()
	tick := time.NewTicker(opts.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		now := opts.Factory.Now()
		// New objects carry recent times in their keys; listing from a
		// margin back covers late deliveries without relisting everything.
		var listing source.Stats
		inputs, err := listed.Inputs(ctx, source.Window{Since: now.Add(-2 * source.Margin)}, &listing)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		fresh := inputs[:0]
		for _, in := range inputs {
			if _, ok := seen[in.Name]; !ok {
				seen[in.Name] = keyTime(in.Name)
				fresh = append(fresh, in)
			}
		}
		// Objects older than the listing window are not listed again, so
		// they need not be remembered.
		for name, at := range seen {
			if !at.IsZero() && now.Sub(at) > 4*source.Margin {
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

// keyTime is the time in an input's object key, zero when it has none.
func keyTime(name string) time.Time {
	_, _, t, ok := flowlog.ParseObjectKey(path.Base(filepath.ToSlash(name)))
	if !ok {
		return time.Time{}
	}
	return t
}
