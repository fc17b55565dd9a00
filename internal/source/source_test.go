package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/parquetio"
)

// countingStore counts the objects a listing hands over, to show pruning
// lists less, not only reads less.
type countingStore struct {
	objstore.Store
	handed int
}

func (c *countingStore) List(ctx context.Context, prefix, startAfter string, fn func(objstore.Object) error) error {
	return c.Store.List(ctx, prefix, startAfter, func(o objstore.Object) error {
		c.handed++
		return fn(o)
	})
}

func TestListPrunesByKeyTime(t *testing.T) {
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	put := func(key string) {
		if err := st.Put(ctx, key, bytes.NewReader(nil), 0); err != nil {
			t.Fatal(err)
		}
	}
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	for i := range 144 { // a day of 10-minute objects
		put(flowlog.ObjectKey("web", "web01", day.Add(time.Duration(i)*10*time.Minute+5*time.Second)))
		put(flowlog.ObjectKey("web", "web01-b", day.Add(time.Duration(i)*10*time.Minute+7*time.Second)))
	}
	put("web/notes.txt")
	put("web/readme.log") // a record file without a time: never pruned

	w := Window{Since: day.Add(10 * time.Hour), Until: day.Add(11 * time.Hour)}
	cs := &countingStore{Store: st}
	var stats Stats
	objs, err := List(ctx, flowlog.Objects{Store: cs, Prefix: "web", Name: "web01"}, w, &stats)
	if err != nil {
		t.Fatal(err)
	}
	// Objects from 09:45 to 11:15 (the margin) can hold 10:00–11:00 records.
	if len(objs) != 9 {
		t.Errorf("got %d objects, want 9: %v", len(objs), objs)
	}
	for _, o := range objs {
		if _, name, _, _ := flowlog.ParseObjectKey(o.Key); name != "web01" {
			t.Errorf("listed another flow log's object %s", o.Key)
		}
	}
	// The listing starts after the window (StartAfter) and stops past it.
	if cs.handed > 30 {
		t.Errorf("the store handed over %d objects for one hour of a day", cs.handed)
	}

	stats = Stats{}
	objs, err = List(ctx, flowlog.Objects{Store: st, Prefix: "web"}, w, &stats)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 9+9+1 || stats.Listed != 2*144+1 || stats.Skipped != stats.Listed-len(objs) {
		t.Errorf("prefix listing: %d objects, stats %+v", len(objs), stats)
	}

	objs, err = List(ctx, flowlog.Objects{Store: st, Prefix: "web", Name: "web01"}, Window{}, &Stats{})
	if err != nil || len(objs) != 144 {
		t.Errorf("no window: %d objects, %v; want 144", len(objs), err)
	}
}

func TestListFlowLogStopsBeforeSimilarNames(t *testing.T) {
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	for i := range 144 {
		for _, name := range []string{"web", "web-api"} {
			key := flowlog.ObjectKey("", name, day.Add(time.Duration(i)*10*time.Minute))
			if err := st.Put(ctx, key, bytes.NewReader(nil), 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	cs := &countingStore{Store: st}
	objs, err := List(ctx, flowlog.Objects{Store: cs, Name: "web"}, Window{Since: day.Add(23 * time.Hour)}, &Stats{})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 7 { // 22:50 to 23:50, the margin included
		t.Errorf("got %d objects of web, want 7", len(objs))
	}
	// "web-api-…" keys sort after every "web-<digits>" key: the listing
	// stops at the first one instead of walking all 144.
	if cs.handed > 12 {
		t.Errorf("the store handed over %d objects", cs.handed)
	}
}

// A folder whose flow logs sit at different depths is pruned by time at
// every depth, not only where a key has one folder segment.
func TestListPrunesAtEveryDepth(t *testing.T) {
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	for i := range 36 { // six hours of each
		at := day.Add(time.Duration(i) * 10 * time.Minute)
		for _, key := range []string{
			flowlog.ObjectKey("", "top", at),
			flowlog.ObjectKey("flowlogs", "web", at),
			"logs/db01/" + flowlog.ObjectKey("", "db01", at),
			"a/b/c/" + flowlog.ObjectKey("", "deep", at),
		} {
			if err := st.Put(ctx, key, bytes.NewReader(nil), 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := st.Put(ctx, "logs/notes.log", bytes.NewReader(nil), 0); err != nil {
		t.Fatal(err)
	}
	w := Window{Since: day.Add(2 * time.Hour), Until: day.Add(2*time.Hour + 50*time.Minute)}
	var stats Stats
	objs, err := List(ctx, flowlog.Objects{Store: st}, w, &stats)
	if err != nil {
		t.Fatal(err)
	}
	perDepth := map[string]int{}
	for _, o := range objs {
		perDepth[strings.SplitN(o.Key, "-", 2)[0]]++
	}
	// 50 minutes and a margin of 15 on each side: keys from 1:45 to 3:05,
	// eight objects of each flow log (1:50 to 3:00); the record file without
	// a time is kept.
	for _, k := range []string{"top", "flowlogs/web", "logs/db01/db01", "a/b/c/deep"} {
		if perDepth[k] != 8 {
			t.Errorf("%s: %d objects in the window, want 8 (all: %v)", k, perDepth[k], perDepth)
		}
	}
	if len(objs) != 4*8+1 || stats.Listed != 4*36+1 || stats.Skipped != 4*28 {
		t.Errorf("%d objects, stats %+v", len(objs), stats)
	}
}

// memStore is a sorted list of keys behind the Store interface, counting
// listings and the keys they hand over.
type memStore struct {
	objstore.Store
	keys          []string
	lists, handed int
}

func (m *memStore) List(ctx context.Context, prefix, startAfter string, fn func(objstore.Object) error) error {
	m.lists++
	for _, k := range m.keys {
		if !strings.HasPrefix(k, prefix) || k <= startAfter {
			continue
		}
		m.handed++
		if err := fn(objstore.Object{Key: k}); err != nil {
			if errors.Is(err, objstore.ErrStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

// A --since 1h query on a prefix holding 20 flow logs of 1,000 objects each
// jumps from one flow log to the next instead of listing every key.
func TestListJumpsBetweenFlowLogs(t *testing.T) {
	day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	m := &memStore{}
	for n := range 20 {
		for i := range 1000 {
			m.keys = append(m.keys, flowlog.ObjectKey("logs", fmt.Sprintf("nic%02d", n), day.Add(time.Duration(i)*10*time.Minute)))
		}
	}
	sort.Strings(m.keys)
	last := day.Add(999 * 10 * time.Minute)
	var stats Stats
	objs, err := List(context.Background(), flowlog.Objects{Store: m, Prefix: "logs"}, Window{Since: last.Add(-time.Hour)}, &stats)
	if err != nil {
		t.Fatal(err)
	}
	// From 1h15m before the last key: eight objects of each flow log.
	if len(objs) != 20*8 {
		t.Errorf("%d objects, want %d", len(objs), 20*8)
	}
	if stats.Requests != m.lists || m.lists > 2*20+1 {
		t.Errorf("%d listings (stats say %d), want at most two per flow log", m.lists, stats.Requests)
	}
	if m.handed > 6000 { // a run of 256 before each jump, and the window
		t.Errorf("the store handed over %d of %d keys", m.handed, len(m.keys))
	}
	// Without a window nothing is skipped, and it is one listing.
	m.lists, m.handed = 0, 0
	objs, err = List(context.Background(), flowlog.Objects{Store: m, Prefix: "logs"}, Window{}, &Stats{})
	if err != nil || len(objs) != len(m.keys) || m.lists != 1 {
		t.Errorf("no window: %d objects in %d listings, %v", len(objs), m.lists, err)
	}
}

// A query for a few hours of a year of hourly Parquet partitions, for three
// flow logs, lists a few hundred keys rather than all 26,280, and finds
// exactly the partitions a listing of every key would: for windows at the
// start, in the middle and at the end of the year, open on either side; in
// flowlog's layout, and in a Hive layout that does not pad its numbers
// (month=2/day=5/hour=7), where key order is not time order.
func TestListJumpsOverPartitions(t *testing.T) {
	year := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	layouts := map[string]func(name string, at time.Time) string{
		"flowlog": func(name string, at time.Time) string {
			return fmt.Sprintf("lake/flowlog=%s/date=%s/hour=%02d/part-1.parquet", name, at.Format(time.DateOnly), at.Hour())
		},
		"unpadded": func(name string, at time.Time) string {
			return fmt.Sprintf("lake/src=%s/year=%d/month=%d/day=%d/hour=%d/f.parquet", name, at.Year(), at.Month(), at.Day(), at.Hour())
		},
	}
	for layout, keyOf := range layouts {
		m := &memStore{}
		for _, name := range []string{"db", "web", "web2"} {
			for h := range 365 * 24 {
				m.keys = append(m.keys, keyOf(name, year.Add(time.Duration(h)*time.Hour)))
			}
		}
		m.keys = append(m.keys, "lake/_flowlog_export/manifest/x.ndjson")
		sort.Strings(m.keys)
		for _, w := range []Window{
			{Since: year.Add(200*24*time.Hour + 6*time.Hour), Until: year.Add(200*24*time.Hour + 12*time.Hour - time.Second)},
			{Since: year.Add(-time.Hour), Until: year.Add(3 * time.Hour)},
			{Since: year.Add(364*24*time.Hour + 20*time.Hour)},
			{Until: year.Add(30 * time.Hour)},
			{Since: year.Add(100 * 24 * time.Hour), Until: year.Add(130 * 24 * time.Hour)},
			{Since: year.Add(95*24*time.Hour + 2*time.Hour), Until: year.Add(95*24*time.Hour + 3*time.Hour)}, // a day=5 (unpadded: after day=10..19)
		} {
			var want []string
			for _, k := range m.keys {
				if from, to, ok := parquetio.KeySpan(k); ok && w.overlaps(from, to) {
					want = append(want, k)
				}
			}
			m.lists, m.handed = 0, 0
			var stats Stats
			objs, err := List(context.Background(), flowlog.Objects{Store: m, Prefix: "lake"}, w, &stats)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.Key)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s, window %v: %d keys, want %d (first %v)", layout, w, len(got), len(want), got[:min(3, len(got))])
			}
			// flowlog's layout: the window, a run of 256 after it, a jump
			// or two a flow log. An unpadded one may list a year's worth
			// of days after the window before it jumps.
			limit := len(want) + 3*(jumpAfter+30)
			if layout == "unpadded" {
				limit = len(want) + 3*(jumpAfter+366*24)
			}
			if m.handed > limit || stats.Requests != m.lists {
				t.Errorf("%s, window %v: the store handed over %d keys in %d listings (stats %d), want at most %d", layout, w, m.handed, m.lists, stats.Requests, limit)
			}
		}
	}
}
