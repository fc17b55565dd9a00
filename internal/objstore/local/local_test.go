package local_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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
	storetest.Run(t, func(t *testing.T) objstore.Store { return newStore(t) })
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

func TestKeysCannotEscapeRoot(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := local.New(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, key := range []string{
		"", "/etc/passwd", "../outside", "a/../../outside", "a//b", "a/", "./a", "a/./b",
		`a\b`, `..\outside`, "a/.flowlog-tmp-1", "nul\x00byte",
	} {
		if err := s.Put(ctx, key, bytes.NewReader([]byte("x")), 1); err == nil {
			t.Errorf("Put(%q) succeeded, want it refused", key)
		}
		if _, err := s.Open(ctx, key); err == nil || errors.Is(err, objstore.ErrNotFound) {
			t.Errorf("Open(%q) = %v, want an invalid key error", key, err)
		}
		if _, err := s.Stat(ctx, key); err == nil || errors.Is(err, objstore.ErrNotFound) {
			t.Errorf("Stat(%q) = %v, want an invalid key error", key, err)
		}
		var de *objstore.DeleteError
		if err := s.Delete(ctx, []string{key}); !errors.As(err, &de) || len(de.Failed) != 1 {
			t.Errorf("Delete(%q) = %v, want a DeleteError for it", key, err)
		}
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("refused keys left files beside the root: %v", entries)
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
}

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
