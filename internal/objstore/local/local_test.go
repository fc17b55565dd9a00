package local_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/objstore/storetest"
)

func newStore(t *testing.T) *local.Store {
	t.Helper()
	s, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.RunFolder(t, func(t *testing.T) (objstore.Store, string) {
		s := newStore(t)
		return s, s.String()
	})
}

func TestNewRefusesMissingFolderAndFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	if _, err := local.New(missing); !errors.Is(err, objstore.ErrNotFound) || !strings.Contains(err.Error(), missing) {
		t.Errorf("New(missing folder) = %v, want ErrNotFound naming the folder", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := local.New(file); err == nil {
		t.Error("New(a file) succeeded, want an error")
	}
}

func TestPutWritesPlainFiles(t *testing.T) {
	s := newStore(t)
	root := s.String()
	if err := s.Put(t.Context(), "flowlogs/web-1629810635.log.gz", bytes.NewReader([]byte("gz")), 2); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "flowlogs", "web-1629810635.log.gz")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o644 {
		t.Errorf("object file mode = %v, want 0644", got)
	}
}

func TestListSkipsTempAndForeignFiles(t *testing.T) {
	s := newStore(t)
	root := s.String()
	if err := s.Put(t.Context(), "a/x", bytes.NewReader(nil), 0); err != nil {
		t.Fatal(err)
	}
	// A Put that crashed before its rename leaves a temp file behind.
	if err := os.WriteFile(filepath.Join(root, "a", ".flowlog-tmp-12345"), []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "a", "x"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "a"), filepath.Join(root, "dirlink")); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := s.List(t.Context(), "", "", func(o objstore.Object) error {
		got = append(got, o.Key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A link to a file is an object; a link to a folder is not followed,
	// so a link loop cannot make a listing endless.
	if want := []string{"a/x", "link"}; !slices.Equal(got, want) {
		t.Errorf("List = %q, want %q", got, want)
	}
	// Nor can a key name one, so a temp file is never an object.
	err = s.Put(t.Context(), "a/.flowlog-tmp-12345", bytes.NewReader(nil), 0)
	if !errors.Is(err, objstore.ErrInvalidKey) {
		t.Errorf("Put(a/.flowlog-tmp-12345) = %v, want ErrInvalidKey", err)
	}
}

func TestWrite(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	path := filepath.Join(s.String(), "web", "x.log")
	put := func(body string, verify func(int64) error) error {
		return s.Write(ctx, "web/x.log", strings.NewReader(body), verify)
	}
	if err := put("first", nil); err != nil {
		t.Fatal(err)
	}

	// verify runs after the copy and before the rename: the old object is
	// still in place, and a failure keeps it there.
	bad := errors.New("checksum mismatch")
	var seen int64
	err := put("second, longer", func(n int64) error {
		seen = n
		if b, _ := os.ReadFile(path); string(b) != "first" {
			t.Errorf("during verify the object holds %q, want the old one", b)
		}
		return bad
	})
	if err != bad {
		t.Errorf("Write with a failing verify = %v, want verify's error as it is", err)
	}
	if seen != int64(len("second, longer")) {
		t.Errorf("verify saw %d bytes, want %d", seen, len("second, longer"))
	}

	// A failing body is returned as it is too, and leaves the old object.
	boom := errors.New("connection reset")
	err = s.Write(ctx, "web/x.log", io.MultiReader(strings.NewReader("half"), iotestErr{boom}), nil)
	if err != boom {
		t.Errorf("Write with a failing body = %v, want the body's error as it is", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "first" {
		t.Errorf("after failed Writes the object holds %q, want %q", b, "first")
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("failed Writes left files beside the object: %v", entries)
	}

	if err := put("second", func(n int64) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "second" {
		t.Errorf("object holds %q, want %q", b, "second")
	}

	// The store's own failures name the file.
	if err := os.WriteFile(filepath.Join(s.String(), "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err = s.Write(ctx, "file/below", strings.NewReader("x"), nil)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(s.String(), "file", "below")) {
		t.Errorf("Write below a file = %v, want an error naming the file", err)
	}
}

// iotestErr is a reader that fails.
type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }

func TestPutOverDirectoryFails(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	if err := s.Put(ctx, "a/b/c", bytes.NewReader([]byte("c")), 1); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "a/b", bytes.NewReader([]byte("b")), 1); err == nil || !strings.Contains(err.Error(), "a/b") {
		t.Errorf("Put(a/b) over the folder a/b = %v, want an error naming it", err)
	}
	if err := s.Put(ctx, "a/b/c/d", bytes.NewReader([]byte("d")), 1); err == nil || !strings.Contains(err.Error(), "prefix of the key is an object") {
		t.Errorf("Put(a/b/c/d) below the file a/b/c = %v, want an error saying why", err)
	}
	if err := s.Delete(ctx, []string{"a/b", "a/b/c/d"}); err != nil {
		t.Errorf("Delete of a folder's key and a key below a file = %v, want nil: neither is an object", err)
	}
}

// TestListAfterChangesInAListedFolder lists a settled folder (its
// modification time an hour back) from several starting keys, which reuses
// its entries, then adds and removes files: each listing after a change
// sees it.
func TestListAfterChangesInAListedFolder(t *testing.T) {
	dir := t.TempDir()
	s, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var want []string
	for i := range 50 {
		key := fmt.Sprintf("web-%04d.log.gz", i)
		if err := os.WriteFile(filepath.Join(dir, key), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		want = append(want, key)
	}
	settle := func() {
		past := time.Now().Add(-time.Hour)
		if err := os.Chtimes(dir, past, past); err != nil {
			t.Fatal(err)
		}
	}
	list := func(after string) []string {
		var keys []string
		if err := s.List(ctx, "", after, func(o objstore.Object) error { keys = append(keys, o.Key); return nil }); err != nil {
			t.Fatal(err)
		}
		return keys
	}
	settle()
	for _, after := range []string{"", "web-0010.log.gz", "web-0049.log.gz", "web-0025"} {
		i, _ := slices.BinarySearch(want, after)
		if i < len(want) && want[i] == after {
			i++
		}
		if got := list(after); !slices.Equal(got, want[i:]) {
			t.Errorf("after %q: %d keys, want %d", after, len(got), len(want[i:]))
		}
	}
	// A file added after the listing, to a folder whose time then moves.
	if err := os.WriteFile(filepath.Join(dir, "web-0100.log.gz"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := list("web-0049.log.gz"); !slices.Equal(got, []string{"web-0100.log.gz"}) {
		t.Errorf("after adding a file: %q", got)
	}
	settle()
	list("")
	if err := os.Remove(filepath.Join(dir, "web-0003.log.gz")); err != nil {
		t.Fatal(err)
	}
	if got := list(""); len(got) != 50 || slices.Contains(got, "web-0003.log.gz") {
		t.Errorf("after removing a file: %d keys, web-0003 there: %v", len(got), slices.Contains(got, "web-0003.log.gz"))
	}
}

// TestPutIfRefusesAWrongSize: a conditional write holds its body to its
// size as Put does, in both directions.
func TestPutIfRefusesAWrongSize(t *testing.T) {
	s, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{5, 15} {
		if _, err := s.PutIf(t.Context(), "k", bytes.NewReader(make([]byte, 10)), size, ""); err == nil || !strings.Contains(err.Error(), "body has") {
			t.Errorf("PutIf of 10 bytes as %d: %v", size, err)
		}
	}
	if _, err := s.Stat(t.Context(), "k"); !errors.Is(err, objstore.ErrNotFound) {
		t.Errorf("a refused PutIf left an object: %v", err)
	}
}
