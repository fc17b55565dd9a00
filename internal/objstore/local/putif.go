package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/flowlog/flowlog/internal/objstore"
)

var _ objstore.ConditionalPutter = (*Store)(nil)

// PutIf writes like Put, on a condition checked in one step with the
// write: a new file is created with a hard link, which fails when the name
// exists; a file is replaced by a rename over it (the name is never free)
// after its tag was checked, with the replacers of a key taking turns by an
// advisory lock on a file beside it (.flowlog-tmp-cas-NAME, which stays,
// and which listings skip as they skip temporary files), that the system
// releases if the process dies. A file's tag is a hash of its content
// (folders have no ETags).
func (s *Store) PutIf(ctx context.Context, key string, body io.ReadSeeker, size int64, ifMatch string) (string, error) {
	if size < 0 {
		return "", fmt.Errorf("put %s: negative size %d", s.describe(key), size)
	}
	h := sha256.New()
	_, err := s.write(ctx, key, io.TeeReader(io.LimitReader(body, size), h), exactly(body, size), func(tmp, path string) error {
		if ifMatch == "" {
			err := os.Link(tmp, path)
			if errors.Is(err, fs.ErrExist) {
				return objstore.ErrPrecondition
			}
			if err != nil {
				// No hard links here (FAT, some network shares): create
				// the name exclusively and copy; a reader may see the
				// file before it is complete.
				return createCopy(tmp, path)
			}
			return os.Remove(tmp)
		}
		unlock, err := lockFile(filepath.Join(filepath.Dir(path), casPrefix+filepath.Base(path)))
		if err != nil {
			return err
		}
		defer unlock()
		tag, err := fileTag(path)
		if isNotExist(err) || err == nil && tag != ifMatch {
			return objstore.ErrPrecondition
		}
		if err != nil {
			return err
		}
		return os.Rename(tmp, path)
	})
	if err != nil {
		return "", fmt.Errorf("put %s: %w", s.describe(key), err)
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// createCopy creates path, only if it does not exist, with the content of
// tmp, and removes tmp.
func createCopy(tmp, path string) error {
	src, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return objstore.ErrPrecondition
	}
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	return os.Remove(tmp)
}

// casPrefix names the file beside an object that PutIf's replacers lock.
const casPrefix = tempPrefix + "cas-"

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
