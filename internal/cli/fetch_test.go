package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
)

func TestTargetPathRefusesEscapes(t *testing.T) {
	dir := t.TempDir()
	for _, key := range []string{
		"../escape.log.gz",
		"web/../../escape.log.gz",
		"/etc/escape.log.gz",
		"web//x.log.gz",
		"web/./x.log.gz",
		"web/",
		"",
		`web\..\..\escape.log.gz`,
		"web/x\x00.log.gz",
	} {
		p, err := targetPath(dir, key)
		var refused *refusedKeyError
		if !errors.As(err, &refused) {
			t.Errorf("targetPath(%q) = %q, %v; want a refusal", key, p, err)
		}
	}
	for key, want := range map[string]string{
		"web/web01-1795480207.log.gz": filepath.Join(dir, "web", "web01-1795480207.log.gz"),
		"x-1.log.gz":                  filepath.Join(dir, "x-1.log.gz"),
		"a/b/c..d.log.gz":             filepath.Join(dir, "a", "b", "c..d.log.gz"),
	} {
		if p, err := targetPath(dir, key); err != nil || p != want {
			t.Errorf("targetPath(%q) = %q, %v; want %q", key, p, err, want)
		}
	}
}

// hostileStore serves one object under whatever key a hostile server
// might list; real servers (MinIO among them) refuse to store such keys, so
// this is the only way to hand them to fetch.
type hostileStore struct {
	objstore.Store
	key string
}

func TestFetchObjectNeverWritesOutside(t *testing.T) {
	root := t.TempDir()
	src, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("2 1 eni-c 192.0.2.1 10.0.0.2 1000 53 17 1 60 1600000005 1600000006 ACCEPT OK\n")
	if err := src.Put(context.Background(), "x.log.gz", bytes.NewReader(body), int64(len(body))); err != nil {
		t.Fatal(err)
	}
	to := filepath.Join(root, "to")
	opts := &fetchOptions{to: to}
	for _, key := range []string{"../escape.log.gz", "/abs.log.gz", "a//b.log.gz", "a/../../escape.log.gz"} {
		var stats fetchStats
		err := fetchObject(context.Background(), hostileStore{src, key}, objstore.Object{Key: key, Size: int64(len(body))}, opts, &stats)
		var refused *refusedKeyError
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), "it was not written") {
			t.Errorf("key %q: err = %v, want a refusal", key, err)
		}
	}
	var files []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("hostile keys wrote files: %v", files)
	}
}
