// Package storetest is the conformance suite every objstore.Store must
// pass, so that code reading flow logs behaves the same on a bucket and on a
// folder.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/objstore"
)

// Run runs the suite. newStore must return a new, empty store each time it
// is called; each subtest calls it once.
//
// No key is a "directory" of another ("a/b" beside "a/b/c"): a folder
// cannot hold both (a/b cannot be a file and a directory at once), and
// MinIO accepts both but leaves the deeper one out of listings. Flow log
// keys never nest that way.
func Run(t *testing.T, newStore func(t *testing.T) objstore.Store) {
	run(t, func(t *testing.T) (objstore.Store, string) { return newStore(t), "" })
}

// RunFolder runs the suite on a store that keeps its objects in a folder on
// disk: newStore returns a new store in a new, empty folder whose parent
// belongs to the test as well, as t.TempDir's does (the suite writes beside
// the folder), and that folder. On top of what Run asks, such a
// store must refuse every key that could name a file outside its folder
// with objstore.ErrInvalidKey, and leave the files around it alone.
func RunFolder(t *testing.T, newStore func(t *testing.T) (objstore.Store, string)) {
	run(t, newStore)
}

func run(t *testing.T, newStore func(t *testing.T) (objstore.Store, string)) {
	t.Run("KeysStayInside", func(t *testing.T) {
		t.Parallel()
		s, dir := newStore(t)
		testKeysStayInside(t, s, dir)
	})
	tests := []struct {
		name string
		fn   func(t *testing.T, s objstore.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"PutReplaces", testPutReplaces},
		{"FailedPutLeavesNoPartialObject", testFailedPut},
		{"ListOrder", testListOrder},
		{"ListPrefix", testListPrefix},
		{"ListStartAfter", testListStartAfter},
		{"ListStop", testListStop},
		{"ListMany", testListMany},
		{"NotFound", testNotFound},
		{"Delete", testDelete},
		{"Concurrent", testConcurrent},
		{"String", testString},
		{"PutIf", testPutIf},
		{"PutIfRace", testPutIfRace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newStore(t)
			tt.fn(t, s)
		})
	}
}

func testRoundTrip(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	objects := map[string][]byte{
		"empty.log.gz":                          {},
		"flowlogs/web-1629810635.log.gz":        []byte("2 12345678 7ffd6527 - - - - - - - 1587983051 1587983052 - NODATA\n"),
		"flowlogs/big/db-1629811235.log.gz":     randomBytes(5<<20 + 17),
		"flowlogs/spaces and+plus/x=1&y%2.gz":   []byte("odd characters"),
		"flowlogs/ünïcode/naïve-1629810635.gz":  []byte("utf-8"),
		"flowlogs/deep/a/b/c/d/e-1629810635.gz": []byte("deep"),
	}
	before := time.Now()
	for key, data := range objects {
		put(t, s, key, data)
	}
	listed := map[string]objstore.Object{}
	for _, o := range list(t, s, "", "") {
		listed[o.Key] = o
	}
	for key, data := range objects {
		if got := read(t, s, key); !bytes.Equal(got, data) {
			t.Errorf("Open(%q) returned %d bytes that differ from the %d put", key, len(got), len(data))
		}
		o, err := s.Stat(ctx, key)
		if err != nil {
			t.Errorf("Stat(%q): %v", key, err)
			continue
		}
		if o.Key != key || o.Size != int64(len(data)) {
			t.Errorf("Stat(%q) = key %q size %d, want size %d", key, o.Key, o.Size, len(data))
		}
		if strings.Contains(o.ETag, `"`) {
			t.Errorf("Stat(%q).ETag = %s, want it without quotes", key, o.ETag)
		}
		// Generous bounds: a server's clock may differ a little from ours.
		if o.LastModified.Before(before.Add(-time.Hour)) || o.LastModified.After(time.Now().Add(time.Hour)) {
			t.Errorf("Stat(%q).LastModified = %v, want about %v", key, o.LastModified, before)
		}
		l, ok := listed[key]
		switch {
		case !ok:
			t.Errorf("List did not return %q", key)
		case l.Size != o.Size || l.ETag != o.ETag:
			t.Errorf("List returned %q with size %d etag %q; Stat says size %d etag %q", key, l.Size, l.ETag, o.Size, o.ETag)
		}
	}
	if len(listed) != len(objects) {
		t.Errorf("List returned %d objects, want %d: %v", len(listed), len(objects), slices.Sorted(maps.Keys(listed)))
	}
}

func testPutReplaces(t *testing.T, s objstore.Store) {
	put(t, s, "k", []byte("the first, longer version"))
	put(t, s, "k", []byte("second"))
	if got := string(read(t, s, "k")); got != "second" {
		t.Errorf("after replacing, Open returned %q, want %q", got, "second")
	}
	o, err := s.Stat(t.Context(), "k")
	if err != nil || o.Size != 6 {
		t.Errorf("after replacing, Stat = %+v, %v; want size 6", o, err)
	}
	if keys := keysOf(list(t, s, "", "")); !slices.Equal(keys, []string{"k"}) {
		t.Errorf("after replacing, List = %q, want [k]", keys)
	}
}

// failingReader gives n bytes and then an error, like a disk that fails
// halfway through a file.
type failingReader struct {
	r *bytes.Reader
	n int64
}

var errBodyFailed = errors.New("body failed on purpose")

func (f *failingReader) Read(p []byte) (int, error) {
	pos, _ := f.r.Seek(0, io.SeekCurrent)
	if pos >= f.n {
		return 0, errBodyFailed
	}
	if rest := f.n - pos; int64(len(p)) > rest {
		p = p[:rest]
	}
	return f.r.Read(p)
}

func (f *failingReader) Seek(offset int64, whence int) (int64, error) {
	return f.r.Seek(offset, whence)
}

func testFailedPut(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	data := randomBytes(256 << 10)
	put(t, s, "kept", []byte("old"))
	for _, key := range []string{"new", "kept"} {
		err := s.Put(ctx, key, &failingReader{r: bytes.NewReader(data), n: int64(len(data) / 2)}, int64(len(data)))
		if err == nil {
			t.Fatalf("Put(%q) with a body failing halfway succeeded", key)
		}
	}
	for _, size := range []int64{int64(len(data)) + 1, int64(len(data)) - 1} {
		if err := s.Put(ctx, "new", bytes.NewReader(data), size); err == nil {
			t.Errorf("Put of %d bytes with size %d succeeded, want an error", len(data), size)
		}
	}
	if _, err := s.Stat(ctx, "new"); !errors.Is(err, objstore.ErrNotFound) {
		t.Errorf("after a failed Put, Stat(new) = %v, want ErrNotFound", err)
	}
	if got := string(read(t, s, "kept")); got != "old" {
		t.Errorf("after a failed Put, Open(kept) = %q, want the old %q", got, "old")
	}
	if keys := keysOf(list(t, s, "", "")); !slices.Equal(keys, []string{"kept"}) {
		t.Errorf("after failed Puts, List = %q, want [kept]", keys)
	}
}

// orderKeys have bytes below and around '/', where the order of a
// directory walk differs from the byte order of full keys.
var orderKeys = []string{
	"a/b", "a-b", "a.b", "a/c/d", "a0", "a!", "a/b-c", "a/b0", "b",
	"x/y/1", "x/y-z/1", "x/y.z", "x/y0/1", "A", "~",
}

func putAll(t *testing.T, s objstore.Store, keys []string) {
	t.Helper()
	for _, k := range keys {
		put(t, s, k, []byte(k))
	}
}

func testListOrder(t *testing.T, s objstore.Store) {
	putAll(t, s, orderKeys)
	want := slices.Sorted(slices.Values(orderKeys))
	if got := keysOf(list(t, s, "", "")); !slices.Equal(got, want) {
		t.Errorf("List order:\n got %q\nwant %q", got, want)
	}
}

func testListPrefix(t *testing.T, s objstore.Store) {
	putAll(t, s, orderKeys)
	for _, prefix := range []string{"a", "a/", "a/b", "a.", "x/y", "x/y/", "a/c/d", "nothing", "a/c/"} {
		var want []string
		for _, k := range slices.Sorted(slices.Values(orderKeys)) {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		if got := keysOf(list(t, s, prefix, "")); !slices.Equal(got, want) {
			t.Errorf("List(prefix %q):\n got %q\nwant %q", prefix, got, want)
		}
	}
}

func testListStartAfter(t *testing.T, s objstore.Store) {
	putAll(t, s, orderKeys)
	sorted := slices.Sorted(slices.Values(orderKeys))
	cases := []struct{ prefix, startAfter string }{
		{"", "a/b"},      // a key in the middle
		{"", "a/b."},     // between keys
		{"", "a/"},       // a directory's prefix itself
		{"", "a/c"},      // a directory without its slash
		{"", "!"},        // before the first key
		{"", "~"},        // the last key
		{"", "~~"},       // after the last key
		{"a/", "a/b-c"},  // with a prefix
		{"x/", "a"},      // before the prefix
		{"a/", "b"},      // after the prefix
		{"x/y", "x/y-z"}, // a directory name
	}
	for _, c := range cases {
		var want []string
		for _, k := range sorted {
			if strings.HasPrefix(k, c.prefix) && k > c.startAfter {
				want = append(want, k)
			}
		}
		if got := keysOf(list(t, s, c.prefix, c.startAfter)); !slices.Equal(got, want) {
			t.Errorf("List(prefix %q, startAfter %q):\n got %q\nwant %q", c.prefix, c.startAfter, got, want)
		}
	}
}

func testListStop(t *testing.T, s objstore.Store) {
	putAll(t, s, orderKeys)
	ctx := t.Context()
	var got []string
	err := s.List(ctx, "", "", func(o objstore.Object) error {
		got = append(got, o.Key)
		if len(got) == 3 {
			return objstore.ErrStop
		}
		return nil
	})
	if err != nil || len(got) != 3 {
		t.Errorf("List stopped with ErrStop after 3 keys = %v after %d keys, want nil after 3", err, len(got))
	}

	got = nil
	err = s.List(ctx, "", "", func(o objstore.Object) error {
		got = append(got, o.Key)
		return fmt.Errorf("wrapped: %w", objstore.ErrStop)
	})
	if err != nil || len(got) != 1 {
		t.Errorf("List stopped with a wrapped ErrStop = %v after %d keys, want nil after 1", err, len(got))
	}

	boom := errors.New("boom")
	got = nil
	err = s.List(ctx, "", "", func(o objstore.Object) error {
		got = append(got, o.Key)
		return boom
	})
	if !errors.Is(err, boom) || len(got) != 1 {
		t.Errorf("List with a failing callback = %v after %d keys, want boom after 1", err, len(got))
	}
}

// testListMany crosses S3's page size of 1000 keys and its limit of 1000
// keys per multi-object delete.
func testListMany(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	const n = 2345
	keys := make([]string, n)
	for i := range keys {
		// Two folders, so a folder store also crosses directories.
		keys[i] = fmt.Sprintf("many/%d/%05d.log.gz", i*2/n, i)
	}
	parallel(t, 16, n, func(i int) error {
		return s.Put(ctx, keys[i], bytes.NewReader(nil), 0)
	})

	if got := keysOf(list(t, s, "many/", "")); !slices.Equal(got, keys) {
		t.Errorf("List of %d keys returned %d; first difference at %d", n, len(got), firstDiff(got, keys))
	}
	for _, at := range []int{999, 1000, 1001, 2000} {
		if got := keysOf(list(t, s, "many/", keys[at])); !slices.Equal(got, keys[at+1:]) {
			t.Errorf("List after key %d returned %d keys, want %d", at, len(got), n-at-1)
		}
	}
	count := 0
	err := s.List(ctx, "many/", "", func(objstore.Object) error {
		count++
		if count == 1500 {
			return objstore.ErrStop
		}
		return nil
	})
	if err != nil || count != 1500 {
		t.Errorf("List stopped on the second page = %v after %d keys, want nil after 1500", err, count)
	}

	if err := s.Delete(ctx, keys); err != nil {
		t.Fatalf("Delete(%d keys): %v", n, err)
	}
	if got := list(t, s, "", ""); len(got) != 0 {
		t.Errorf("after deleting all %d keys, List returned %d, first %q", n, len(got), got[0].Key)
	}
}

func testNotFound(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	put(t, s, "dir/file", []byte("x"))
	for _, key := range []string{"missing.log.gz", "dir", "dir/missing", "dir/file/below"} {
		r, err := s.Open(ctx, key)
		if err == nil {
			r.Close()
		}
		if !errors.Is(err, objstore.ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrNotFound", key, err)
		} else if !strings.Contains(err.Error(), key) {
			t.Errorf("Open(%q) = %q, want the key in the message", key, err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, objstore.ErrNotFound) {
			t.Errorf("Stat(%q) = %v, want ErrNotFound", key, err)
		} else if !strings.Contains(err.Error(), key) {
			t.Errorf("Stat(%q) = %q, want the key in the message", key, err)
		}
	}
}

func testDelete(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	putAll(t, s, []string{"d/1", "d/2", "d/3", "keep"})
	if err := s.Delete(ctx, []string{"d/1", "missing", "d/3", "d/missing/deeper", "d/1"}); err != nil {
		t.Fatalf("Delete of present and missing keys: %v", err)
	}
	if got := keysOf(list(t, s, "", "")); !slices.Equal(got, []string{"d/2", "keep"}) {
		t.Errorf("after Delete, List = %q, want [d/2 keep]", got)
	}
	if _, err := s.Stat(ctx, "d/1"); !errors.Is(err, objstore.ErrNotFound) {
		t.Errorf("after Delete, Stat(d/1) = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, nil); err != nil {
		t.Errorf("Delete(nil) = %v", err)
	}
}

func testConcurrent(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	// Two versions of one key, written over and over while others read it:
	// every read must return one whole version.
	versions := [][]byte{randomBytes(300 << 10), randomBytes(200 << 10)}
	put(t, s, "shared", versions[0])
	const workers, rounds = 8, 6
	parallel(t, workers, workers*rounds, func(i int) error {
		own := fmt.Sprintf("own/%d-%d", i%workers, i/workers)
		data := []byte(own)
		if err := s.Put(ctx, own, bytes.NewReader(data), int64(len(data))); err != nil {
			return err
		}
		if i%2 == 0 {
			v := versions[i/2%2]
			return s.Put(ctx, "shared", bytes.NewReader(v), int64(len(v)))
		}
		r, err := s.Open(ctx, "shared")
		if err != nil {
			return err
		}
		defer r.Close()
		got, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, versions[0]) && !bytes.Equal(got, versions[1]) {
			return fmt.Errorf("read of shared returned %d bytes that match neither version", len(got))
		}
		return nil
	})
	if got := list(t, s, "own/", ""); len(got) != workers*rounds {
		t.Errorf("after concurrent Puts, List returned %d objects, want %d", len(got), workers*rounds)
	}
}

// streamWriter is a store that also writes bodies of unknown size, as
// local.Store.Write does; the suite checks its keys like Put's.
type streamWriter interface {
	Write(ctx context.Context, key string, r io.Reader, verify func(written int64) error) error
}

// testKeysStayInside hands a folder store keys that, joined naively to its
// folder, would name a file outside it or another key's file. Every one
// must be refused with ErrInvalidKey, and every file around and inside the
// folder must stay as it was.
//
// A bucket has no such test: its keys are opaque strings and cannot leave
// it, and what a server makes of odd ones is its own business (MinIO strips
// a leading '/', so "/abs" is "abs", and deletes "a/b" for "a//b").
func testKeysStayInside(t *testing.T, s objstore.Store, dir string) {
	if dir == "" {
		t.Skip("not a folder store: bucket keys are opaque strings and cannot leave the bucket")
	}
	ctx := t.Context()
	sentinels := map[string][]byte{"x": []byte("x stays"), "abs": []byte("abs stays"), "a/b": []byte("a/b stays")}
	for key, data := range sentinels {
		put(t, s, key, data)
	}
	// Files beside the folder where naive joins of the keys land, so that
	// writing or deleting them shows.
	parent := filepath.Dir(dir)
	for _, name := range []string{"x", "abs"} {
		if err := os.WriteFile(filepath.Join(parent, name), []byte("outside"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := tree(t, parent)
	unchanged := func(when string) {
		t.Helper()
		after := tree(t, parent)
		for p, v := range after {
			if before[p] != v {
				t.Errorf("%s, %s holds %q, was %q", when, p, v, before[p])
			}
		}
		for p := range before {
			if _, ok := after[p]; !ok {
				t.Errorf("%s, %s is gone", when, p)
			}
		}
	}

	keys := []string{
		"", ".", "..", "/", "//x", "../x", "a/../../x", "../../x",
		"/abs", "/" + filepath.ToSlash(filepath.Join(parent, "abs")),
		"./x", "a/../x", "a/./b", "a//b", "a/", "a/b/", "a/b/..",
		`a\b`, `..\x`, `a\..\..\x`, "x\x00", "a/\x00/b", "\x00",
	}
	refused := func(op, key string, err error) {
		t.Helper()
		if !errors.Is(err, objstore.ErrInvalidKey) {
			t.Errorf("%s(%q) = %v, want ErrInvalidKey", op, key, err)
		}
	}
	for _, key := range keys {
		data := []byte("hostile " + key)
		refused("Put", key, s.Put(ctx, key, bytes.NewReader(data), int64(len(data))))
		if w, ok := s.(streamWriter); ok {
			body := &readCounter{r: bytes.NewReader(data)}
			refused("Write", key, w.Write(ctx, key, body, nil))
			if body.n > 0 {
				t.Errorf("Write(%q) read its body before refusing the key", key)
			}
		}
	}
	unchanged("after Put and Write of the hostile keys")
	for _, key := range keys {
		r, err := s.Open(ctx, key)
		if err == nil {
			r.Close()
		}
		refused("Open", key, err)
		_, err = s.Stat(ctx, key)
		refused("Stat", key, err)
		err = s.Delete(ctx, []string{key})
		var de *objstore.DeleteError
		if !errors.As(err, &de) || len(de.Failed) != 1 || !errors.Is(err, objstore.ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v, want a DeleteError with ErrInvalidKey", key, err)
		}
	}
	unchanged("after Open, Stat and Delete of the hostile keys")
	if got, want := keysOf(list(t, s, "", "")), slices.Sorted(maps.Keys(sentinels)); !slices.Equal(got, want) {
		t.Errorf("after the hostile keys, List = %q, want %q", got, want)
	}
}

type readCounter struct {
	r io.Reader
	n int
}

func (c *readCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// tree maps every path under dir to what is there: a directory, or a
// file's bytes.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[path] = "directory"
			return nil
		}
		data, err := os.ReadFile(path)
		out[path] = "file: " + string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func testString(t *testing.T, s objstore.Store) {
	if s.String() == "" {
		t.Error("String() is empty; messages need to name the store")
	}
}

func put(t *testing.T, s objstore.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func read(t *testing.T, s objstore.Store, key string) []byte {
	t.Helper()
	r, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %q: %v", key, err)
	}
	return data
}

func list(t *testing.T, s objstore.Store, prefix, startAfter string) []objstore.Object {
	t.Helper()
	var out []objstore.Object
	err := s.List(t.Context(), prefix, startAfter, func(o objstore.Object) error {
		out = append(out, o)
		return nil
	})
	if err != nil {
		t.Fatalf("List(%q, %q): %v", prefix, startAfter, err)
	}
	return out
}

func keysOf(objects []objstore.Object) []string {
	keys := make([]string, len(objects))
	for i, o := range objects {
		keys[i] = o.Key
	}
	return keys
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// parallel runs fn(0..n-1) on workers goroutines and fails the test with
// the first error.
func parallel(t *testing.T, workers, n int, fn func(i int) error) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  = make(chan int)
	)
	for range workers {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

func randomBytes(n int) []byte {
	r := rand.New(rand.NewPCG(uint64(n), 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}
