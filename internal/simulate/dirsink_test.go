package simulate

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// files lists every regular file under dir, relative and slash-separated.
func files(t *testing.T, dir string) map[string]fs.FileInfo {
	t.Helper()
	out := map[string]fs.FileInfo{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = info
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDirSink(t *testing.T) {
	dir := t.TempDir()
	sink := DirSink(dir)
	ctx := context.Background()

	if err := sink.Put(ctx, "logs/web-1714521607.log.gz", []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := sink.Put(ctx, "web-1714521607.log.gz", []byte("top")); err != nil {
		t.Fatal(err)
	}
	// Putting a key again replaces the object.
	if err := sink.Put(ctx, "logs/web-1714521607.log.gz", []byte("second")); err != nil {
		t.Fatal(err)
	}

	got := files(t, dir)
	if len(got) != 2 {
		t.Fatalf("files %v, want the two objects and nothing else", keys(got))
	}
	b, err := os.ReadFile(filepath.Join(dir, "logs", "web-1714521607.log.gz"))
	if err != nil || string(b) != "second" {
		t.Errorf("object holds %q, %v; want the second Put", b, err)
	}
	if runtime.GOOS != "windows" {
		for name, info := range got {
			if info.Mode().Perm() != 0o644 {
				t.Errorf("%s has mode %v, want 0644", name, info.Mode().Perm())
			}
		}
	}
}

func TestDirSinkRefusesKeysOutsideDir(t *testing.T) {
	dir := t.TempDir()
	for _, key := range []string{"../escape.log.gz", "/abs.log.gz", "a/../../b.log.gz", ""} {
		if err := DirSink(dir).Put(context.Background(), key, []byte("x")); err == nil {
			t.Errorf("Put(%q) succeeded", key)
		}
	}
	if got := files(t, filepath.Dir(dir)); len(got) != 0 {
		t.Errorf("files written: %v", keys(got))
	}
}

func TestDirSinkLeavesNoTempFileOnError(t *testing.T) {
	dir := t.TempDir()
	// The final name is taken by a directory, so the rename fails after the
	// temporary file was written.
	if err := os.MkdirAll(filepath.Join(dir, "web-1.log.gz", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := DirSink(dir).Put(context.Background(), "web-1.log.gz", []byte("body")); err == nil {
		t.Fatal("Put over a directory succeeded")
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := DirSink(dir).Put(ctx, "web-2.log.gz", []byte("body")); err == nil {
		t.Error("Put with a cancelled context succeeded")
	}
}

func TestRunIntoDir(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Name: "web", Prefix: "flowlogs", From: day, Duration: time.Hour, RecordsPerObject: 500, Seed: 2}
	sum, err := Run(context.Background(), cfg, DirSink(dir))
	if err != nil {
		t.Fatal(err)
	}
	mem, _ := collect(t, cfg)
	got := files(t, dir)
	if len(got) != sum.Objects || len(mem) != sum.Objects {
		t.Fatalf("%d files, %d objects in memory, Summary says %d", len(got), len(mem), sum.Objects)
	}
	for _, o := range mem {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(o.key)))
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != string(o.body) {
			t.Errorf("%s differs from the object Run made", o.key)
		}
	}
}

func keys(m map[string]fs.FileInfo) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
