package fetch

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
)

const line = "2 1 eni-c 192.0.2.1 10.0.0.2 1000 53 17 1 60 1600000005 1600000006 ACCEPT OK\n"

func newStore(t *testing.T) *local.Store {
	t.Helper()
	s, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func gz(t *testing.T, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(text))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func etag(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

// source puts objects into a store and returns their jobs, with the MD5
// ETags a bucket would list.
func source(t *testing.T, objects map[string][]byte) (objstore.Store, []Job) {
	t.Helper()
	s := newStore(t)
	var jobs []Job
	for key, data := range objects {
		if err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, Job{s, objstore.Object{Key: key, Size: int64(len(data)), ETag: etag(data)}})
	}
	slices.SortFunc(jobs, func(a, b Job) int { return strings.Compare(a.Object.Key, b.Object.Key) })
	return s, jobs
}

func fileText(t *testing.T, dst *local.Store, key string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dst.String(), filepath.FromSlash(key)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRunFetchesAndSkipsWhatIsPresent(t *testing.T) {
	objects := map[string][]byte{
		"web/web01-1795480207.log.gz": gz(t, line),
		"web/web01-1795480807.log.gz": gz(t, line+line),
		"db/db01-1795480207.log.gz":   gz(t, line+line+line),
	}
	_, jobs := source(t, objects)
	dst := newStore(t)
	done := 0
	stats, err := Run(t.Context(), dst, jobs, Options{Parallel: 2, Done: func() { done++ }})
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	for key, data := range objects {
		size += int64(len(data))
		if got := fileText(t, dst, key); got != string(data) {
			t.Errorf("%s differs from the object", key)
		}
	}
	if want := (Stats{Fetched: 3, Bytes: size}); stats != want || done != 3 {
		t.Errorf("first run: %+v, %d done; want %+v, 3 done", stats, done, want)
	}

	// A copy of the right size but other bytes is fetched again; the
	// others are skipped.
	changed := filepath.Join(dst.String(), "web", "web01-1795480207.log.gz")
	if err := os.WriteFile(changed, bytes.Repeat([]byte{'x'}, len(objects["web/web01-1795480207.log.gz"])), 0o644); err != nil {
		t.Fatal(err)
	}
	stats, err = Run(t.Context(), dst, jobs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Stats{Fetched: 1, Present: 2, Bytes: int64(len(objects["web/web01-1795480207.log.gz"]))}); stats != want {
		t.Errorf("second run: %+v, want %+v", stats, want)
	}
	if got := fileText(t, dst, "web/web01-1795480207.log.gz"); got != string(objects["web/web01-1795480207.log.gz"]) {
		t.Error("a changed copy was not fetched again")
	}

	// Without an MD5 ETag (multipart uploads), the size decides.
	for i := range jobs {
		jobs[i].Object.ETag = "0123-2"
	}
	if stats, err := Run(t.Context(), dst, jobs, Options{}); err != nil || stats != (Stats{Present: 3}) {
		t.Errorf("run without MD5 ETags: %+v, %v; want 3 present", stats, err)
	}
}

func TestRunDecompresses(t *testing.T) {
	_, jobs := source(t, map[string][]byte{
		"web/x-1.log.gz": gz(t, line),
		"web/plain.log":  []byte(line),
	})
	dst := newStore(t)
	stats, err := Run(t.Context(), dst, jobs, Options{Decompress: true})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Fetched != 2 {
		t.Errorf("fetched %d, want 2", stats.Fetched)
	}
	if got := fileText(t, dst, "web/x-1.log"); got != line {
		t.Errorf("web/x-1.log = %q, want the records", got)
	}
	if got := fileText(t, dst, "web/plain.log"); got != line {
		t.Errorf("web/plain.log = %q, want it as it was", got)
	}
	if _, err := os.Stat(filepath.Join(dst.String(), "web", "x-1.log.gz")); err == nil {
		t.Error("the compressed object was written too")
	}
	if stats, err := Run(t.Context(), dst, jobs, Options{Decompress: true}); err != nil || stats.Present != 2 {
		t.Errorf("second run: %+v, %v; want 2 present", stats, err)
	}
}

// Every failure names the object and leaves nothing under its name.
func TestRunVerifies(t *testing.T) {
	data := gz(t, line)
	tests := []struct {
		name       string
		key        string
		body       []byte
		edit       func(*objstore.Object)
		decompress bool
		want       string
	}{
		{"short", "x.log.gz", data, func(o *objstore.Object) { o.Size++ }, false, "incomplete download: "},
		{"long", "x.log.gz", data, func(o *objstore.Object) { o.Size--; o.ETag = "" }, false, "incomplete download: "},
		{"checksum", "x.log.gz", data, func(o *objstore.Object) { o.ETag = etag([]byte("other")) }, false, "checksum mismatch: MD5 "},
		{"checksum decompressed", "x.log.gz", data, func(o *objstore.Object) { o.ETag = etag([]byte("other")) }, true, "checksum mismatch: MD5 "},
		{"not gzip", "x.log.gz", []byte(line), nil, true, "not gzip data: "},
		{"truncated gzip", "x.log.gz", data[:len(data)-10], nil, true, "truncated or corrupt gzip data: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, jobs := source(t, map[string][]byte{tt.key: tt.body})
			if tt.edit != nil {
				tt.edit(&jobs[0].Object)
			}
			dst := newStore(t)
			_, err := Run(t.Context(), dst, jobs, Options{Decompress: tt.decompress})
			prefix := "fetch " + src.String() + "/" + tt.key + ": " + tt.want
			if err == nil || !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("Run = %v, want %q…", err, prefix)
			}
			if entries, _ := os.ReadDir(dst.String()); len(entries) != 0 {
				t.Errorf("a failed download left %v", entries)
			}
		})
	}
}

// hostileStore lists keys that would land outside the folder; real servers
// (MinIO among them) refuse to store most of them, so this is the way to
// hand them to fetch. It serves every key, and counts what it opened.
type hostileStore struct {
	objstore.Store
	mu     sync.Mutex
	opened []string
}

func (h *hostileStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	h.mu.Lock()
	h.opened = append(h.opened, key)
	h.mu.Unlock()
	return io.NopCloser(strings.NewReader(line)), nil
}

func TestRunRefusesKeysOutsideTheFolderAndCarriesOn(t *testing.T) {
	src := &hostileStore{}
	var jobs []Job
	for _, key := range []string{"../escape.log", "ok-1.log", "/abs.log", `a\b.log`, "ok-2.log", "a/../../x.log.gz"} {
		jobs = append(jobs, Job{src, objstore.Object{Key: key, Size: int64(len(line)), ETag: etag([]byte(line))}})
	}
	dst := newStore(t)
	var refused []string
	done := 0
	stats, err := Run(t.Context(), dst, jobs, Options{
		Decompress: true,
		Parallel:   3,
		Refused:    func(e *RefusedKeyError) { refused = append(refused, e.Error()) },
		Done:       func() { done++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Stats{Fetched: 2, Refused: 4, Bytes: 2 * int64(len(line))}); stats != want || done != 6 {
		t.Errorf("Run: %+v, %d done; want %+v, 6 done", stats, done, want)
	}
	slices.Sort(refused)
	want := []string{
		`refusing key "../escape.log": '..' path segment would leave the folder; it was not written`,
		`refusing key "/abs.log": absolute path; it was not written`,
		// Decompressing, the key refused is the one that would be written.
		`refusing key "a/../../x.log": '..' path segment would leave the folder; it was not written`,
		`refusing key "a\\b.log": backslash or NUL in key; it was not written`,
	}
	if !slices.Equal(refused, want) {
		t.Errorf("refused:\n%s\nwant:\n%s", strings.Join(refused, "\n"), strings.Join(want, "\n"))
	}
	// A refused key is not even downloaded.
	slices.Sort(src.opened)
	if want := []string{"ok-1.log", "ok-2.log"}; !slices.Equal(src.opened, want) {
		t.Errorf("opened %q, want only %q", src.opened, want)
	}
}

// failingStore fails to open one key.
type failingStore struct {
	objstore.Store
	bad string
}

var errOutage = errors.New("connection refused")

func (f failingStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if key == f.bad {
		return nil, errOutage
	}
	return f.Store.Open(ctx, key)
}

func TestRunStopsAtTheFirstFailure(t *testing.T) {
	objects := map[string][]byte{}
	for _, k := range []string{"a", "b", "c", "d", "e"} {
		objects[k+".log"] = []byte(line)
	}
	src, jobs := source(t, objects)
	for i := range jobs {
		jobs[i].Store = failingStore{src, "b.log"}
	}
	stats, err := Run(t.Context(), newStore(t), jobs, Options{Parallel: 1})
	if !errors.Is(err, errOutage) || !strings.HasPrefix(err.Error(), "fetch "+src.String()+"/b.log: ") {
		t.Errorf("Run = %v, want the outage, naming b.log", err)
	}
	if stats != (Stats{Fetched: 1, Bytes: int64(len(line))}) {
		t.Errorf("Run fetched %+v, want a.log only: a failure stops the run", stats)
	}
}
