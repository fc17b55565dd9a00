package prune_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/prune"
)

func newStore(t *testing.T, keys ...string) *local.Store {
	t.Helper()
	s, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := s.Put(t.Context(), k, bytes.NewReader([]byte("data")), 4); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func keysOf(p *prune.Plan) []string {
	var keys []string
	for _, o := range p.Objects {
		keys = append(keys, o.Key)
	}
	return keys
}

var layout = []string{
	"web/web01-1700000000.log.gz",
	"web/web01-1700000600.log.gz",
	"web/web01-1800000000.log.gz",
	"web/web01-b-1700000000.log.gz", // another flow log whose name starts with web01-
	"web/other-name-123.log.gz",     // another flow log, very old
	"web/notes.txt",
	"web/web01-0170000000.log.gz", // a leading zero: not a key the service writes
	"web/web01-1700000000.log",
	"web/web01-1700000000.log.gz.bak",
	"web/sub/web01-1700000000.log.gz",
	"web01-1700000000.log.gz", // the same name in another prefix
	"other/x-1700000000.log.gz",
}

func TestSelect(t *testing.T) {
	s := newStore(t, layout...)
	cutoff := time.Unix(1750000000, 0)
	tests := []struct {
		name   string
		target flowlog.Objects
		cutoff time.Time
		want   []string
	}{
		{"one flow log, old objects", flowlog.Objects{Store: s, Prefix: "web", Name: "web01"}, cutoff,
			[]string{"web/web01-1700000000.log.gz", "web/web01-1700000600.log.gz"}},
		{"one flow log, every object", flowlog.Objects{Store: s, Prefix: "web", Name: "web01"}, time.Time{},
			[]string{"web/web01-1700000000.log.gz", "web/web01-1700000600.log.gz", "web/web01-1800000000.log.gz"}},
		{"one flow log without a prefix", flowlog.Objects{Store: s, Name: "web01"}, cutoff,
			[]string{"web01-1700000000.log.gz"}},
		{"every flow log under a prefix", flowlog.Objects{Store: s, Prefix: "web"}, cutoff,
			[]string{"web/other-name-123.log.gz", "web/web01-1700000000.log.gz", "web/web01-1700000600.log.gz", "web/web01-b-1700000000.log.gz"}},
		{"the whole store", flowlog.Objects{Store: s}, cutoff,
			[]string{"other/x-1700000000.log.gz", "web/other-name-123.log.gz", "web/web01-1700000000.log.gz",
				"web/web01-1700000600.log.gz", "web/web01-b-1700000000.log.gz", "web01-1700000000.log.gz"}},
		{"nothing old enough", flowlog.Objects{Store: s, Prefix: "web", Name: "web01"}, time.Unix(1600000000, 0), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := prune.Select(t.Context(), tt.target, tt.cutoff)
			if err != nil {
				t.Fatal(err)
			}
			if got := keysOf(p); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("chose %q, want %q", got, tt.want)
			}
			if p.Listed != len(p.Objects)+p.Newer+p.Ignored {
				t.Errorf("listed %d = %d chosen + %d newer + %d ignored?", p.Listed, len(p.Objects), p.Newer, p.Ignored)
			}
			if p.Bytes != int64(4*len(p.Objects)) {
				t.Errorf("Bytes = %d", p.Bytes)
			}
		})
	}

	p, err := prune.Select(t.Context(), flowlog.Objects{Store: s, Prefix: "web", Name: "web01"}, cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Oldest.Equal(time.Unix(1700000000, 0)) || !p.Newest.Equal(time.Unix(1700000600, 0)) {
		t.Errorf("oldest, newest = %v, %v", p.Oldest, p.Newest)
	}
	res, err := p.Delete(t.Context(), nil)
	if err != nil || res.Deleted != 2 {
		t.Fatalf("Delete = %+v, %v", res, err)
	}
	var left []string
	s.List(t.Context(), "", "", func(o objstore.Object) error { left = append(left, o.Key); return nil })
	want := slices.DeleteFunc(slices.Clone(layout), func(k string) bool {
		return k == "web/web01-1700000000.log.gz" || k == "web/web01-1700000600.log.gz"
	})
	slices.Sort(want)
	if !reflect.DeepEqual(left, want) {
		t.Errorf("left after Delete:\n%q\nwant\n%q", left, want)
	}
}

// recordingStore counts Delete calls and fails the keys it is told to.
type recordingStore struct {
	objstore.Store
	batches []int
	fail    func(key string) error
}

func (r *recordingStore) Delete(ctx context.Context, keys []string) error {
	r.batches = append(r.batches, len(keys))
	var failed []objstore.KeyError
	var ok []string
	for _, k := range keys {
		if err := r.fail(k); err != nil {
			failed = append(failed, objstore.KeyError{Key: k, Err: err})
		} else {
			ok = append(ok, k)
		}
	}
	if err := r.Store.Delete(ctx, ok); err != nil {
		return err
	}
	if failed != nil {
		return &objstore.DeleteError{Failed: failed}
	}
	return nil
}

// memStore is just enough of a store for the batch tests: thousands of
// files in a folder would make them slow.
type memStore struct {
	objstore.Store // nil: the methods below are all Select and Delete use
	keys           map[string]bool
}

func newMemStore(keys []string) *memStore {
	m := &memStore{keys: map[string]bool{}}
	for _, k := range keys {
		m.keys[k] = true
	}
	return m
}

func (m *memStore) List(ctx context.Context, prefix, startAfter string, fn func(objstore.Object) error) error {
	var keys []string
	for k := range m.keys {
		if strings.HasPrefix(k, prefix) && k > startAfter {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := fn(objstore.Object{Key: k, Size: 4}); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) Delete(ctx context.Context, keys []string) error {
	for _, k := range keys {
		delete(m.keys, k)
	}
	return nil
}

func manyKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("web/web01-%d.log.gz", 1700000000+600*i)
	}
	return keys
}

func TestDeleteBatches(t *testing.T) {
	keys := manyKeys(2500)
	denied := errors.New("access denied")
	rec := &recordingStore{Store: newMemStore(keys), fail: func(k string) error {
		if k == keys[1234] {
			return denied
		}
		return nil
	}}
	p, err := prune.Select(t.Context(), flowlog.Objects{Store: rec, Prefix: "web", Name: "web01"}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var progress []int
	res, err := p.Delete(t.Context(), func(done int) { progress = append(progress, done) })
	if !reflect.DeepEqual(rec.batches, []int{1000, 1000, 500}) {
		t.Errorf("batches = %v, want 1000, 1000, 500", rec.batches)
	}
	if !reflect.DeepEqual(progress, []int{1000, 2000, 2500}) {
		t.Errorf("progress = %v", progress)
	}
	var de *objstore.DeleteError
	if !errors.As(err, &de) || len(de.Failed) != 1 || de.Failed[0].Key != keys[1234] || !errors.Is(err, denied) {
		t.Fatalf("Delete error = %v, want the one failed key", err)
	}
	if res.Deleted != 2499 || res.NotTried != 0 {
		t.Errorf("result = %+v", res)
	}
}

func TestDeleteStopsAfterAFailedBatch(t *testing.T) {
	keys := manyKeys(2500)
	denied := errors.New("access denied")
	rec := &recordingStore{Store: newMemStore(keys), fail: func(string) error { return denied }}
	p, err := prune.Select(t.Context(), flowlog.Objects{Store: rec, Prefix: "web"}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Delete(t.Context(), nil)
	if !errors.Is(err, denied) || res.Deleted != 0 || len(res.Failed) != 1000 || res.NotTried != 1500 {
		t.Errorf("Delete = %+v (%d failed), %v; want one failed batch and the rest not tried", res.Deleted, len(res.Failed), err)
	}
	if len(rec.batches) != 1 {
		t.Errorf("sent %d batches, want 1", len(rec.batches))
	}
}

func TestDeleteStopsWhenCancelled(t *testing.T) {
	s := newMemStore(manyKeys(1500))
	p, err := prune.Select(t.Context(), flowlog.Objects{Store: s, Prefix: "web"}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	res, err := p.Delete(ctx, func(int) { cancel() })
	if !errors.Is(err, context.Canceled) || res.Deleted != 1000 || res.NotTried != 500 {
		t.Errorf("Delete = %+v, %v; want 1000 deleted, then stopped", res, err)
	}
}
