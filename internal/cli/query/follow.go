package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/flowlog/flowlog/internal/cli/cmdutil"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/output"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/source"
)

// maxPollBackoff bounds the wait between polls while the sources cannot be
// listed.
const maxPollBackoff = 5 * time.Minute

// follow polls the sources for objects that were not there before and runs
// print over them, until the context ends (Ctrl-C), which is a clean stop.
// A poll that cannot list the sources (an outage) is reported on stderr
// and tried again with backoff; once the listing works again it reaches
// back to the last listing that worked, so that objects written during the
// outage are read, once.
func follow(ctx context.Context, opts *Options, q *query.Query, sources *cmdutil.Sources, total *query.Stats, print func(*query.Query) (query.Stats, error)) error {
	errOut := opts.Factory.IO.ErrOut
	// seen holds the inputs read, with the time in their key; inputs
	// without one (record files named otherwise) are kept for good, so they
	// are never read twice.
	seen := map[string]time.Time{}
	for _, in := range q.Inputs {
		seen[in.Name] = keyTime(in.Name)
	}
	listed := sources.Listed()
	lastListed := opts.Factory.Now()
	failures := 0
	timer := time.NewTimer(opts.Interval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		now := opts.Factory.Now()
		// New objects carry recent times in their keys; listing from a
		// margin before the last listing covers late deliveries without
		// relisting everything.
		var listing source.Stats
		inputs, err := listed.Inputs(ctx, source.Window{Since: lastListed.Add(-2 * source.Margin)}, &listing)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if !outage(err) {
				return err
			}
			failures++
			wait := maxPollBackoff
			if failures < 16 {
				wait = min(opts.Interval<<failures, max(maxPollBackoff, opts.Interval))
			}
			fmt.Fprintf(errOut, "flowlog: %v; still following, next poll in %v\n", err, wait)
			timer.Reset(wait)
			continue
		}
		if failures > 0 {
			fmt.Fprintf(errOut, "flowlog: listing works again after %s; following on\n", output.Count(failures, "failed poll"))
			failures = 0
		}
		lastListed = now
		timer.Reset(opts.Interval)
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

// readPatience makes the object reads of a follow wait out an outage
// rather than end the follow: one warning when reads start failing, one
// when they all work again, however many objects were being read.
func readPatience(errOut io.Writer) *objstore.Patience {
	var mu sync.Mutex
	failing := 0
	return &objstore.Patience{
		Failing: func(err error) {
			mu.Lock()
			defer mu.Unlock()
			if failing++; failing == 1 {
				fmt.Fprintf(errOut, "flowlog: %v; still following, reading it again until it works\n", err)
			}
		},
		Recovered: func() {
			mu.Lock()
			defer mu.Unlock()
			if failing--; failing == 0 {
				fmt.Fprintln(errOut, "flowlog: object reads work again; following on")
			}
		},
	}
}

// outage reports whether a failed listing may work at a later poll: not
// when the credentials are refused or the bucket is gone, which the user
// must fix.
func outage(err error) bool {
	return !errors.Is(err, objstore.ErrAccessDenied) && !errors.Is(err, objstore.ErrNoSuchBucket)
}

// keyTime is the time in an input's object key, zero when it has none.
func keyTime(name string) time.Time {
	t, _ := source.KeyTime(filepath.ToSlash(name))
	return t
}
