package local

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/flowlog/flowlog/internal/objstore"
)

// Buckets keeps buckets as folders under one root, a folder each named as
// the bucket, for use when no object storage is configured: a bucket
// "demo-logs" is the folder <root>/demo-logs, served by a Store.
type Buckets struct {
	Root string
}

// NoBucketError is a bucket whose folder does not exist. It wraps
// objstore.ErrNoSuchBucket, as a missing bucket in object storage does.
type NoBucketError struct {
	Bucket string
	Path   string // the folder it would be
}

func (e *NoBucketError) Error() string {
	return fmt.Sprintf("bucket %s does not exist (no folder %s)", e.Bucket, e.Path)
}

// Unwrap returns objstore.ErrNoSuchBucket.
func (e *NoBucketError) Unwrap() error { return objstore.ErrNoSuchBucket }

// Path is the folder of the bucket. The name must be one path segment
// (a bucket name never holds '/'); Path does not check.
func (b Buckets) Path(bucket string) string {
	return filepath.Join(b.Root, bucket)
}

// Open returns the store of an existing bucket; a missing folder gives a
// *NoBucketError.
func (b Buckets) Open(bucket string) (*Store, error) {
	path, err := b.path(bucket)
	if err != nil {
		return nil, err
	}
	s, err := New(path)
	if errors.Is(err, objstore.ErrNotFound) {
		return nil, &NoBucketError{Bucket: bucket, Path: path}
	}
	return s, err
}

// Create makes the bucket's folder, and the root if need be, and returns
// its store. created is false when the folder was already there.
func (b Buckets) Create(bucket string) (s *Store, created bool, err error) {
	path, err := b.path(bucket)
	if err != nil {
		return nil, false, err
	}
	// The root holds every bucket's records (who talked to whom): as
	// private as the configuration database's folder.
	if err := os.MkdirAll(b.Root, 0o700); err != nil {
		return nil, false, fmt.Errorf("create bucket %s: %w", bucket, classify(err))
	}
	err = os.Mkdir(path, 0o755)
	switch {
	case err == nil:
		created = true
	case !errors.Is(err, fs.ErrExist):
		return nil, false, fmt.Errorf("create bucket %s (folder %s): %w", bucket, path, classify(err))
	}
	s, err = New(path)
	if err != nil {
		return nil, false, fmt.Errorf("bucket %s: %w", bucket, err)
	}
	return s, created, nil
}

// path refuses a name that is not one plain path segment, so no bucket
// name reaches outside the root.
func (b Buckets) path(bucket string) (string, error) {
	if b.Root == "" {
		return "", errors.New("buckets as folders: no root folder")
	}
	if reason := segmentProblem(bucket); reason != "" || strings.Contains(bucket, "/") {
		if reason == "" {
			reason = "a bucket name is one path segment"
		}
		return "", fmt.Errorf("bucket %q: %s", bucket, reason)
	}
	return b.Path(bucket), nil
}
