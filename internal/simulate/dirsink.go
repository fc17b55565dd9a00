package simulate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// DirSink stores each object as dir/<key>, creating directories as needed
// (0755) and replacing an object that is already there. Files are 0644.
//
// An object is written to a temporary file beside its final name (".<name>.*.tmp"),
// synced and then renamed, so the key never names half an object: after a
// crash there is either the whole object or none, plus at most one
// leftover temporary file that no reader mistakes for an object.
func DirSink(dir string) Sink { return dirSink{dir: dir} }

type dirSink struct{ dir string }

func (s dirSink) Put(ctx context.Context, key string, body []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rel, err := filepath.Localize(key)
	if err != nil {
		return fmt.Errorf("object key %q is not a relative path: %w", key, err)
	}
	path := filepath.Join(s.dir, rel)
	parent := filepath.Dir(path)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(parent, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = writeAll(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func writeAll(f *os.File, body []byte) error {
	// CreateTemp makes the file 0600; objects are meant to be shared like
	// any downloaded file.
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if _, err := f.Write(body); err != nil {
		return err
	}
	// Without the sync a power loss could leave the renamed file empty.
	return f.Sync()
}
