package local

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/flowlog/flowlog/internal/objstore"
)

var _ objstore.ConditionalPutter = (*Store)(nil)

// PutIf writes like Put, on a condition the file system checks in one step:
// a file is created with a hard link, which fails when the name exists, and
// replaced by first renaming the current file aside, which only one process
// can do. A file's tag is a hash of its content (folders have no ETags).
//
// While a replacement whose tag did not match puts the file back, the name
// is briefly free: a PutIf creating it then wins, and the put-back is
// dropped. Whoever held the old file finds out at its next PutIf.
func (s *Store) PutIf(ctx context.Context, key string, body io.ReadSeeker, size int64, ifMatch string) (string, error) {
	if size < 0 {
		return "", fmt.Errorf("put %s: negative size %d", s.describe(key), size)
	}
	h := sha256.New()
	_, err := s.write(ctx, key, io.TeeReader(io.LimitReader(body, size), h), func(n int64) error {
		if n != size {
			return fmt.Errorf("body has %d bytes, want %d", n, size)
		}
		return nil
	}, func(tmp, path string) error {
		if ifMatch != "" {
			aside, err := s.takeAside(path, ifMatch)
			if err != nil {
				return err
			}
			defer os.Remove(aside)
		}
		if err := os.Link(tmp, path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return objstore.ErrPrecondition
			}
			return err
		}
		return os.Remove(tmp)
	})
	if err != nil {
		return "", fmt.Errorf("put %s: %w", s.describe(key), err)
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// takeAside renames the file at path to a temporary name if its tag is
// want, and returns that name. A missing file or another tag is
// ErrPrecondition, and the file stays (or is put back) where it was.
func (s *Store) takeAside(path, want string) (string, error) {
	var b [8]byte
	rand.Read(b[:])
	aside := path + "." + tempPrefix[1:] + "aside-" + hex.EncodeToString(b[:])
	if err := os.Rename(path, aside); err != nil {
		if isNotExist(err) {
			return "", objstore.ErrPrecondition
		}
		return "", err
	}
	tag, err := fileTag(aside)
	if err == nil && tag == want {
		return aside, nil
	}
	os.Link(aside, path) // put it back, unless the name was taken meanwhile
	os.Remove(aside)
	if err != nil {
		return "", err
	}
	return "", objstore.ErrPrecondition
}

// Tag is the tag PutIf gives an object: a hash of its content.
func (s *Store) Tag(ctx context.Context, key string) (string, error) {
	path, err := s.path(key)
	if err != nil {
		return "", fmt.Errorf("stat %s: %w", s.describe(key), err)
	}
	tag, err := fileTag(path)
	if err != nil {
		return "", fmt.Errorf("stat %s: %w", s.describe(key), classify(err))
	}
	return tag, nil
}

func fileTag(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}
