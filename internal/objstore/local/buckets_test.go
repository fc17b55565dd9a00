package local_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
)

func TestBuckets(t *testing.T) {
	root := filepath.Join(t.TempDir(), "flowlog", "buckets") // not there yet
	b := local.Buckets{Root: root}
	path := filepath.Join(root, "demo-logs")

	_, err := b.Open("demo-logs")
	var nb *local.NoBucketError
	if !errors.As(err, &nb) || !errors.Is(err, objstore.ErrNoSuchBucket) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open(missing bucket) = %v, want a *NoBucketError naming %s", err, path)
	}

	s, created, err := b.Create("demo-logs")
	if err != nil || !created {
		t.Fatalf("Create = %v, %v; want created", created, err)
	}
	if s.String() != path {
		t.Errorf("the store is %s, want the folder %s", s, path)
	}
	if info, err := os.Stat(root); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("the root folder: %v, mode %v; want 0700", err, info.Mode().Perm())
	}
	if _, created, err := b.Create("demo-logs"); err != nil || created {
		t.Errorf("Create again = %v, %v; want not created, no error", created, err)
	}
	if s, err := b.Open("demo-logs"); err != nil || s.String() != path {
		t.Errorf("Open after Create = %v, %v", s, err)
	}

	for _, bad := range []string{"", ".", "..", "a/b", "../x"} {
		if _, err := b.Open(bad); err == nil || errors.Is(err, objstore.ErrNoSuchBucket) {
			t.Errorf("Open(%q) = %v, want the name refused", bad, err)
		}
		if _, _, err := b.Create(bad); err == nil {
			t.Errorf("Create(%q) succeeded, want the name refused", bad)
		}
	}
	if left, _ := os.ReadDir(filepath.Dir(root)); len(left) != 1 {
		t.Errorf("refused names left folders behind: %v", left)
	}
}
