// Package source owns finding the objects that can hold the records a query
// asks for: it lists a store under a prefix, keeps flow log objects (and
// other record files), and prunes by the time in their keys, so a query for
// one hour of a year-old bucket lists and reads about one hour of objects.
package source

import (
	"context"
	"errors"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/parquetio"
)

// Margin is how far the records of an object may lie from the time in its
// key. The service writes an object for each 10-minute window; whether the
// key carries the start of the window or the time of writing, and with
// delivery delays, records lie within this margin of it.
const Margin = 15 * time.Minute

// Window is the time range a query asks for; a zero bound is open.
type Window struct {
	Since, Until time.Time
}

// contains reports whether an object whose key carries time t can hold
// records overlapping the window.
func (w Window) contains(t time.Time) bool {
	if !w.Since.IsZero() && t.Before(w.Since.Add(-Margin)) {
		return false
	}
	if !w.Until.IsZero() && t.After(w.Until.Add(Margin)) {
		return false
	}
	return true
}

// Stats count what listing did, for --stats.
type Stats struct {
	Requests int // listings started: a store may page each into several requests
	Listed   int // objects the store returned
	Skipped  int // objects listed but outside the time window
}

// KeyTime is the time in the name of a flow log object at any depth of a
// folder or prefix: "logs/db01/db01-1629810635.log.gz" was written at
// 1629810635. ok is false for a key whose last segment is not a flow log
// object's name.
func KeyTime(key string) (time.Time, bool) {
	_, _, t, ok := flowlog.ParseObjectKey(path.Base(key))
	return t, ok
}

// IsRecordFile reports whether a key names a file of records: the service's
// *.log.gz objects, plain *.log files, or Parquet files (flowlog export's,
// AWS's). Keys under a folder starting with "_" (an export's own
// bookkeeping, as Hive and the engines after it skip them) are not.
func IsRecordFile(key string) bool {
	if strings.HasPrefix(key, "_") || strings.Contains(key, "/_") {
		return false
	}
	return strings.HasSuffix(key, ".log.gz") || strings.HasSuffix(key, ".log") || parquetio.IsParquetKey(key)
}

// overlaps reports whether records starting in [from, to) can overlap the
// window; a record may end up to Margin after the last start.
func (w Window) overlaps(from, to time.Time) bool {
	if !w.Since.IsZero() && !to.Add(Margin).After(w.Since) {
		return false
	}
	if !w.Until.IsZero() && from.After(w.Until) {
		return false
	}
	return true
}

// List returns the objects of objs that can hold records in w, in key order.
//
// For one flow log the listing starts after the last key before the window
// (StartAfter) and stops at the first key past it, since its keys sort by
// time. Without a name, the objects under the prefix are listed and those
// whose key time is outside the window are skipped; record files whose
// names carry no time are always kept. When a run of one flow log's keys
// falls outside the window, the listing jumps over the rest of the run
// with StartAfter, so a prefix holding many flow logs costs a few requests
// per flow log rather than a page per thousand keys.
func List(ctx context.Context, objs flowlog.Objects, w Window, stats *Stats) ([]objstore.Object, error) {
	if objs.Name != "" {
		return listFlowLog(ctx, objs, w, stats)
	}
	var found []objstore.Object
	startAfter := ""
	for {
		var jump skipRun
		var hive partitionRun
		next := ""
		stats.Requests++
		err := objs.Store.List(ctx, objs.KeyPrefix(), startAfter, func(o objstore.Object) error {
			if !IsRecordFile(o.Key) {
				return nil
			}
			stats.Listed++
			if from, to, ok := parquetio.KeySpan(o.Key); ok {
				// A partition of Parquet files: its folders say the hour.
				if w.overlaps(from, to) {
					hive = partitionRun{}
					found = append(found, o)
					return nil
				}
				stats.Skipped++
				if next = hive.past(o.Key, to, w); next != "" {
					return objstore.ErrStop
				}
				return nil
			}
			t, ok := KeyTime(o.Key)
			if !ok || w.contains(t) {
				jump = skipRun{}
				found = append(found, o)
				return nil
			}
			stats.Skipped++
			if next = jump.past(o.Key, t, w); next != "" {
				return objstore.ErrStop
			}
			return nil
		})
		if err != nil && !errors.Is(err, objstore.ErrStop) {
			return found, err
		}
		if next == "" {
			return found, nil
		}
		startAfter = next
	}
}

// jumpAfter is how many keys of one flow log in a row must fall outside the
// window before the listing jumps: a jump is one more request, worth it only
// where it skips pages of keys, not a handful.
const jumpAfter = 256

// skipRun follows a run of one flow log's keys outside the window.
type skipRun struct {
	namePrefix string // "[folders/]name-"
	n          int
}

// past counts a key outside the window and, once the run is long enough,
// returns where the listing should start again: at the window's first key
// of this flow log when the run is before it, past all of its keys when the
// run is after it. "" means go on.
func (r *skipRun) past(key string, t time.Time, w Window) string {
	namePrefix := key[:strings.LastIndexByte(key, '-')+1]
	if namePrefix != r.namePrefix {
		*r = skipRun{namePrefix: namePrefix}
	}
	r.n++
	if r.n < jumpAfter {
		return ""
	}
	r.n = 0
	next := namePrefix + ":" // ':' sorts right after the digits of the times
	if !w.Since.IsZero() && t.Before(w.Since.Add(-Margin)) {
		next = namePrefix + strconv.FormatInt(w.Since.Add(-Margin).Unix()-1, 10) + ".log.gz"
	}
	if next <= key {
		return ""
	}
	return next
}

// partitionRun follows the partitions (of Parquet files, in time folders)
// outside the window under one set of folders, as skipRun does the keys of
// one flow log: a year of hourly partitions is thousands of folders, and a
// query for an hour of it should not list them all.
type partitionRun struct {
	end string // PartitionsEnd of the keys followed: their folders
	n   int    // keys after the window in a row
}

// past counts a key whose partition (ending at to) is outside the window
// and returns where the listing should start again, or "" to go on: at the
// window's first partition when the key's partition is before it and at
// least jumpAfter hours away, past all the partitions under these folders
// once jumpAfter keys in a row have come whose date (or year) is after the
// window. The date, not the partition: a layout that does not pad its
// hours (or months, days) lists hour=10 to 19 before hour=2, so a key after
// the window says nothing of the keys after it within its date.
func (r *partitionRun) past(key string, to time.Time, w Window) string {
	end, from, ok := parquetio.PartitionsEnd(key)
	if !ok {
		return ""
	}
	if end != r.end {
		*r = partitionRun{end: end}
	}
	next := ""
	if !w.Since.IsZero() && !to.Add(Margin).After(w.Since) {
		// Before the window: its first partition holds Since - Margin.
		first := w.Since.Add(-Margin)
		if first.Sub(to) < jumpAfter*time.Hour {
			return ""
		}
		next, _ = parquetio.PartitionSeek(key, first)
	} else {
		if w.Until.IsZero() || !from.After(w.Until) {
			return ""
		}
		if r.n++; r.n < jumpAfter {
			return ""
		}
		r.n = 0
		next = end
	}
	if next <= key {
		return ""
	}
	return next
}

func listFlowLog(ctx context.Context, objs flowlog.Objects, w Window, stats *Stats) ([]objstore.Object, error) {
	keyPrefix := objs.KeyPrefix()
	startAfter := ""
	if !w.Since.IsZero() {
		// Keys hold ten-digit unix seconds, which sort as numbers do: every
		// key of a time before first is listed after this one.
		first := w.Since.Add(-Margin).Unix()
		if first > 0 {
			startAfter = keyPrefix + strconv.FormatInt(first-1, 10) + ".log.gz"
		}
	}
	var found []objstore.Object
	stats.Requests++
	err := objs.Store.List(ctx, keyPrefix, startAfter, func(o objstore.Object) error {
		if rest := o.Key[len(keyPrefix):]; rest != "" && rest[0] > '9' {
			// Past the keys with a time (digits) come other flow logs whose
			// names start with this one's: "web-api-…" after "web-9…".
			return objstore.ErrStop
		}
		t, ok := objs.Holds(o.Key)
		if !ok {
			// Another flow log whose name starts with this one's and a '-'.
			return nil
		}
		stats.Listed++
		if !w.Until.IsZero() && t.After(w.Until.Add(Margin)) {
			stats.Skipped++
			return objstore.ErrStop
		}
		if !w.contains(t) {
			stats.Skipped++
			return nil
		}
		found = append(found, o)
		return nil
	})
	if errors.Is(err, objstore.ErrStop) {
		err = nil
	}
	return found, err
}
