// Package local keeps objects in a folder on disk, one file per object, so
// flow logs fetched from a bucket (or written by the simulator) can be read
// back with the same code that reads a bucket.
//
// A key maps to a path under the folder with '/' as the separator:
// "flowlogs/web-1629810635.log.gz" is <root>/flowlogs/web-1629810635.log.gz.
// Unlike a bucket, a folder cannot hold both an object "a/b" and an object
// "a/b/c", because a/b cannot be a file and a directory at once.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/flowlog/flowlog/internal/objstore"
)

// tempPrefix starts the names of the files Write and Put write before
// renaming them into place; listings skip them and keys may not use them.
const tempPrefix = ".flowlog-tmp-"

// Store is a folder used as object storage.
type Store struct {
	root string // as given, cleaned, for messages
	abs  string // absolute, for file system calls

	// dirs keeps the sorted entries of the directories listed last. A
	// listing that starts again after a key (source.List jumps over the
	// objects of a flow log outside a window) would otherwise read and
	// sort a folder of tens of thousands of objects once a jump.
	mu   sync.Mutex
	dirs map[string]listedDir
}

// listedDir is a directory's entries as read at one time, its
// modification time then, and when they were read.
type listedDir struct {
	mod, read time.Time
	entries   []entry
}

// maxListedDirs bounds Store.dirs.
const maxListedDirs = 16

// dirSettled is how long before a directory is read its last change must
// lie for its entries to be kept: a change after the read then gives it
// another modification time, even with a coarse file system clock (FAT's
// is 2 s).
const dirSettled = 3 * time.Second

// dirKept is how long entries are kept: as long as one listing that jumps
// takes, not the hours of a query --follow, so that what the modification
// time cannot tell (a symbolic link whose target came or went) is seen at
// the next poll.
const dirKept = 10 * time.Second

var _ objstore.Store = (*Store)(nil)

// New returns a Store for the folder root, which must exist. A missing
// folder gives an error wrapping objstore.ErrNotFound.
func New(root string) (*Store, error) {
	if root == "" {
		return nil, errors.New("local store: empty folder path")
	}
	root = filepath.Clean(root)
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("folder %s: %w", root, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("folder %s: %w", root, classify(err))
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("folder %s: not a directory", root)
	}
	return &Store{root: root, abs: abs}, nil
}

// String returns the folder path.
func (s *Store) String() string { return s.root }

// List walks the folder in key order. Sorting each directory's entries by
// the key prefix they stand for (a directory "d" stands for "d/") keeps the
// walk in byte order of full keys: WalkDir's order is not, since it puts
// directory "a" (keys "a/...") before file "a-b".
func (s *Store) List(ctx context.Context, prefix, startAfter string, fn func(objstore.Object) error) error {
	err := s.list(ctx, "", prefix, startAfter, fn)
	if errors.Is(err, objstore.ErrStop) {
		return nil
	}
	return err
}

type entry struct {
	name string
	dir  bool
	sort string // key, with a trailing '/' for directories
}

// list lists the directory standing for the key prefix base ("" or "x/y/").
func (s *Store) list(ctx context.Context, base, prefix, startAfter string, fn func(objstore.Object) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := filepath.Join(s.abs, filepath.FromSlash(base))
	entries, err := s.readDir(dir, base)
	if err != nil {
		if base != "" && errors.Is(err, fs.ErrNotExist) {
			return nil // removed while listing
		}
		return fmt.Errorf("list %s: %w", s.describe(base), classify(err))
	}

	for _, e := range entries {
		if e.dir {
			// Every key below e starts with e.sort: skip the directory when
			// none of them can match the prefix or sort after startAfter.
			if !strings.HasPrefix(e.sort, prefix) && !strings.HasPrefix(prefix, e.sort) {
				continue
			}
			if e.sort <= startAfter && !strings.HasPrefix(startAfter, e.sort) {
				continue
			}
			if err := s.list(ctx, e.sort, prefix, startAfter, fn); err != nil {
				return err
			}
			continue
		}
		key := e.sort
		if !strings.HasPrefix(key, prefix) || key <= startAfter {
			continue
		}
		info, err := os.Stat(filepath.Join(dir, e.name))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted while listing
			}
			return fmt.Errorf("list %s: %w", s.describe(key), classify(err))
		}
		if err := fn(object(key, info)); err != nil {
			return err
		}
	}
	return nil
}

// readDir returns the entries of the directory standing for base, sorted
// by key; those of a directory unchanged since it was read last, and
// settled then, are not read again.
func (s *Store) readDir(dir, base string) ([]entry, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	d, ok := s.dirs[dir]
	s.mu.Unlock()
	if ok && d.mod.Equal(info.ModTime()) && time.Since(d.read) < dirKept {
		return d.entries, nil
	}
	read := time.Now()
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	entries := make([]entry, 0, len(des))
	for _, de := range des {
		name := de.Name()
		if segmentProblem(name) != "" {
			continue
		}
		isDir, ok := s.kind(dir, de)
		if !ok {
			continue
		}
		e := entry{name: name, dir: isDir, sort: base + name}
		if isDir {
			e.sort += "/"
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.sort, b.sort) })
	if read.Sub(info.ModTime()) > dirSettled {
		s.mu.Lock()
		if s.dirs == nil || len(s.dirs) >= maxListedDirs {
			s.dirs = map[string]listedDir{}
		}
		s.dirs[dir] = listedDir{mod: info.ModTime(), read: read, entries: entries}
		s.mu.Unlock()
	}
	return entries, nil
}

// kind reports whether de is a directory, and whether it can hold objects
// at all: regular files do, and so do symbolic links to them.
func (s *Store) kind(dir string, de fs.DirEntry) (isDir, ok bool) {
	t := de.Type()
	if t&fs.ModeSymlink != 0 {
		info, err := os.Stat(filepath.Join(dir, de.Name()))
		if err != nil || !info.Mode().IsRegular() {
			return false, false
		}
		return false, true
	}
	switch {
	case t.IsDir():
		return true, true
	case t.IsRegular():
		return false, true
	}
	return false, false
}

// Open opens the object's file.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	path, err := s.path(key)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.describe(key), err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.describe(key), classify(err))
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = objstore.ErrNotFound
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", s.describe(key), classify(err))
	}
	return f, nil
}

// Stat returns the object's size and modification time; local objects have
// no ETag.
func (s *Store) Stat(ctx context.Context, key string) (objstore.Object, error) {
	path, err := s.path(key)
	if err != nil {
		return objstore.Object{}, fmt.Errorf("stat %s: %w", s.describe(key), err)
	}
	info, err := os.Stat(path)
	if err == nil && !info.Mode().IsRegular() {
		err = objstore.ErrNotFound
	}
	if err != nil {
		return objstore.Object{}, fmt.Errorf("stat %s: %w", s.describe(key), classify(err))
	}
	return object(key, info), nil
}

// Put writes body to a temporary file beside the object's file and renames
// it into place, so a reader sees the old file or the complete new one.
func (s *Store) Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error {
	if size < 0 {
		return fmt.Errorf("put %s: negative size %d", s.describe(key), size)
	}
	_, err := s.write(ctx, key, io.LimitReader(body, size), exactly(body, size), nil)
	if err != nil {
		return fmt.Errorf("put %s: %w", s.describe(key), err)
	}
	return nil
}

// exactly is the check, once size bytes of body were written, that body
// held size bytes: no fewer, and none left over.
func exactly(body io.Reader, size int64) func(written int64) error {
	return func(n int64) error {
		if n != size {
			return fmt.Errorf("body has %d bytes, want %d", n, size)
		}
		if extra, _ := body.Read(make([]byte, 1)); extra > 0 {
			return fmt.Errorf("body has more than %d bytes", size)
		}
		return nil
	}
}

// Write stores what r yields under key, for a body whose size is not known
// in advance: it copies r into a temporary file beside the key's file, calls
// verify (unless nil) with the number of bytes copied, and only when verify
// returns nil syncs the file and renames it into place. So, as with Put, a
// reader sees the old file or the complete new one, and a failed copy or
// verification leaves nothing under the key's name.
//
// A key that could name a file outside the folder gives an *InvalidKeyError
// before r is read. Errors from r, verify and ctx are returned as they are,
// since the caller knows what they mean; the store's own failures name the
// file.
func (s *Store) Write(ctx context.Context, key string, r io.Reader, verify func(written int64) error) error {
	theirs, err := s.write(ctx, key, r, verify, nil)
	if err != nil && !theirs {
		return fmt.Errorf("write %s: %w", s.describe(key), err)
	}
	return err
}

// write is Put and Write: theirs says whether err came from r, verify or
// ctx rather than from the file system or the key. place moves the
// complete temporary file to the object's path (nil: os.Rename).
func (s *Store) write(ctx context.Context, key string, r io.Reader, verify func(int64) error, place func(tmp, path string) error) (theirs bool, err error) {
	path, err := s.path(key)
	if err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return true, err
	}
	// A folder cannot hold both "a/b" and "a/b/c", as a bucket can.
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return false, errors.New("the key is a folder of other objects here, so it cannot be an object too")
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, fs.ErrExist) {
			return false, errors.New("a prefix of the key is an object here, so it cannot be a folder too")
		}
		return false, classify(err)
	}
	f, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return false, classify(err)
	}
	tmp := f.Name()
	defer func() {
		if tmp != "" {
			f.Close()
			os.Remove(tmp)
		}
	}()
	src := &sourceReader{r: contextReader{ctx, r}}
	n, err := io.Copy(f, src)
	if err != nil {
		if src.err != nil {
			return true, err
		}
		return false, classify(err)
	}
	if verify != nil {
		if err := verify(n); err != nil {
			return true, err
		}
	}
	// CreateTemp makes the file 0600; objects are as readable as any file
	// the user writes.
	if err := f.Chmod(0o644); err != nil {
		return false, err
	}
	// Without the sync a power loss could leave the renamed file empty.
	if err := f.Sync(); err != nil {
		return false, err
	}
	if err := f.Close(); err != nil {
		return false, err
	}
	if place == nil {
		place = os.Rename
	}
	if err := place(tmp, path); err != nil {
		if errors.Is(err, objstore.ErrPrecondition) {
			return false, err
		}
		return false, classify(err)
	}
	tmp = ""
	return false, nil
}

// sourceReader remembers the error its reader gave, so that a failed copy
// can be told apart from a failed write.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

// contextReader stops a long copy once ctx is done.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Delete removes the keys' files. Directories left empty stay: removing them
// would race with a concurrent Put into the same directory.
func (s *Store) Delete(ctx context.Context, keys []string) error {
	var failed []objstore.KeyError
	for _, key := range keys {
		err := ctx.Err()
		if err == nil {
			err = s.remove(key)
		}
		if err != nil {
			failed = append(failed, objstore.KeyError{Key: key, Err: fmt.Errorf("delete %s: %w", s.describe(key), err)})
		}
	}
	if len(failed) > 0 {
		return &objstore.DeleteError{Failed: failed}
	}
	return nil
}

func (s *Store) remove(key string) error {
	path, err := s.path(key)
	if err != nil {
		return err
	}
	info, err := os.Lstat(path)
	if err != nil {
		if isNotExist(err) {
			return nil
		}
		return classify(err)
	}
	if info.IsDir() {
		return nil // a prefix of other keys, not an object
	}
	if err := os.Remove(path); err != nil && !isNotExist(err) {
		return classify(err)
	}
	return nil
}

// InvalidKeyError is a key the store refuses because its file could lie
// outside the folder, or is not a name the store can hold. It wraps
// objstore.ErrInvalidKey.
type InvalidKeyError struct {
	Key    string
	Reason string // why, for people: "absolute path", "empty path segment", ...
}

func (e *InvalidKeyError) Error() string {
	return fmt.Sprintf("invalid key %q: %s", e.Key, e.Reason)
}

// Unwrap returns objstore.ErrInvalidKey.
func (e *InvalidKeyError) Unwrap() error { return objstore.ErrInvalidKey }

// path maps a key to its file, refusing keys that are not plain relative
// '/'-separated paths, so no key can reach outside the folder. Keys come
// from servers too (fetch), and a hostile one must not write elsewhere.
func (s *Store) path(key string) (string, error) {
	if reason := keyProblem(key); reason != "" {
		return "", &InvalidKeyError{Key: key, Reason: reason}
	}
	return filepath.Join(s.abs, filepath.FromSlash(key)), nil
}

// keyProblem says why key cannot be a path under the folder, or "" if it
// can. The order of the checks decides which reason a user reads.
func keyProblem(key string) string {
	switch {
	case key == "":
		return "empty key"
	case strings.HasPrefix(key, "/"):
		return "absolute path"
	case strings.ContainsAny(key, "\\\x00"):
		return "backslash or NUL in key"
	}
	for seg := range strings.SplitSeq(key, "/") {
		if reason := segmentProblem(seg); reason != "" {
			return reason
		}
	}
	return ""
}

// segmentProblem says why seg cannot be a name in a key, or "" if it can.
func segmentProblem(seg string) string {
	switch {
	case seg == "":
		return "empty path segment"
	case seg == "." || seg == "..":
		return "'" + seg + "' path segment would leave the folder"
	case strings.ContainsAny(seg, "\\\x00"):
		return "backslash or NUL in key"
	case strings.HasPrefix(seg, tempPrefix):
		return "names starting " + tempPrefix + " are the store's temporary files"
	case runtime.GOOS == "windows" && strings.Contains(seg, ":"):
		return "a colon names a drive or a stream on Windows"
	}
	return ""
}

// describe names a key's file, or a prefix's folder ("a/b/"), for messages.
// An invalid key's "file" could be a misleading place, so it gets the folder.
func (s *Store) describe(key string) string {
	if keyProblem(strings.TrimSuffix(key, "/")) != "" {
		return s.root
	}
	return filepath.Join(s.root, filepath.FromSlash(key))
}

func object(key string, info fs.FileInfo) objstore.Object {
	return objstore.Object{Key: key, Size: info.Size(), LastModified: info.ModTime().UTC()}
}

// isNotExist also counts a path through a file ("a/b" when "a" is a file) as
// missing, since a key there cannot exist.
func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// classify maps file system errors onto objstore's sentinels, keeping the
// original error's text.
func classify(err error) error {
	switch {
	case errors.Is(err, objstore.ErrNotFound):
		return err
	case isNotExist(err):
		return objstore.ErrNotFound
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: %w", objstore.ErrAccessDenied, unwrapPath(err))
	}
	return unwrapPath(err)
}

// unwrapPath drops the absolute path from a *fs.PathError, whose message
// already names the key.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
