// Package objstore owns the small interface that object storage sits behind:
// flow log objects are listed, read, written and deleted through a Store,
// whether they live in an S3-compatible bucket (package s3store) or in a
// local folder (package local). Every implementation must pass the shared
// suite in package storetest.
package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/flowlog/flowlog/internal/output"
)

// Object is one stored object.
type Object struct {
	Key  string
	Size int64
	// ETag is the object's entity tag without quotes, "" if unknown.
	ETag         string
	LastModified time.Time
}

// Store is object storage as flowlog needs it. Keys are '/'-separated and
// compared as bytes. A Store is safe for concurrent use.
type Store interface {
	// List calls fn for every object whose key starts with prefix and sorts
	// after startAfter ("" = from the beginning), in lexical (byte) key
	// order. fn returning ErrStop ends the listing early without error; any
	// other error aborts the listing and is returned.
	List(ctx context.Context, prefix, startAfter string, fn func(Object) error) error

	// Open streams an object's bytes. A missing key gives an error wrapping
	// ErrNotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, error)

	// Stat returns an object's metadata. A missing key gives an error
	// wrapping ErrNotFound.
	Stat(ctx context.Context, key string) (Object, error)

	// Put stores body under key, replacing any existing object. body must
	// hold exactly size bytes from its current position; it is seekable so
	// a failed upload can be retried. A reader never sees a partial object:
	// it sees the old object, or nothing, until the new one is complete.
	Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error

	// Delete removes keys. Missing keys are not an error. Keys that could
	// not be removed are reported in a *DeleteError.
	Delete(ctx context.Context, keys []string) error

	// String names the store for messages: "s3://bucket" or a folder path.
	String() string
}

// RangeReader is a Store that reads part of an object: Parquet is read
// from its footer, at the end, and then by column chunk, so a question the
// footer answers needs a few KiB of an object rather than all of it.
type RangeReader interface {
	// ReadRange reads len(p) bytes of the object at key from byte off on
	// into p, as io.ReaderAt does. etag, when not "", is the ETag the object
	// had when it was listed: an object replaced since gives an error
	// wrapping ErrChanged rather than bytes of another version.
	ReadRange(ctx context.Context, key, etag string, p []byte, off int64) (int, error)
}

var (
	// ErrChanged means an object was replaced while it was read: the
	// bytes read before belong to another version of it.
	ErrChanged = errors.New("the object was replaced while it was read; read it again")

	// ErrNotFound means the object does not exist.
	ErrNotFound = errors.New("not found")

	// ErrStop, returned by a List callback, ends the listing early without
	// error.
	ErrStop = errors.New("stop listing")

	// ErrAccessDenied means the storage refused the credentials, or there
	// were none: access denied, an unknown access key, a wrong secret.
	ErrAccessDenied = errors.New("access denied")

	// ErrNoSuchBucket means the bucket does not exist.
	ErrNoSuchBucket = errors.New("bucket does not exist")

	// ErrUnreachable means the storage could not be reached, even after
	// retries: connection refused, an unknown host, a timeout.
	ErrUnreachable = errors.New("storage unreachable")

	// ErrInvalidKey means the store refuses a key it cannot hold as it is:
	// a folder refuses keys that could name a file outside it ("..",
	// absolute paths, empty segments, ...). Nothing was read or written.
	ErrInvalidKey = errors.New("invalid key")

	// ErrPrecondition means a conditional write (ConditionalPutter.PutIf)
	// found the object not as required: there when it had to be absent, or
	// changed since it was read. Nothing was written.
	ErrPrecondition = errors.New("precondition failed")
)

// ConditionalPutter is a Store that can write an object on a condition
// checked in the same step as the write, so that processes on several
// machines can take turns at a key (package export's lock).
type ConditionalPutter interface {
	// PutIf stores body under key as Put does, but only if the object has
	// the tag ifMatch now, or, when ifMatch is "", if there is none. It
	// returns the new object's tag, for the next PutIf. When the condition
	// does not hold, nothing is written and the error wraps
	// ErrPrecondition.
	PutIf(ctx context.Context, key string, body io.ReadSeeker, size int64, ifMatch string) (tag string, err error)

	// Tag returns the tag of the object under key now. A missing key gives
	// an error wrapping ErrNotFound. Read an object's tag before its
	// content: a PutIf with that tag then fails if the content read was
	// newer.
	Tag(ctx context.Context, key string) (string, error)
}

// KeyError is the failure to delete one key.
type KeyError struct {
	Key string
	Err error
}

// DeleteError reports the keys a Delete could not remove, in the order they
// were given. errors.Is sees through it to each key's error, so a caller can
// still tell, say, ErrAccessDenied apart.
type DeleteError struct {
	Failed []KeyError
}

func (e *DeleteError) Error() string {
	if len(e.Failed) == 0 {
		return "no keys failed to delete"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s not deleted: %v", output.Count(len(e.Failed), "key"), e.Failed[0].Err)
	if n := len(e.Failed) - 1; n > 0 {
		fmt.Fprintf(&b, " (and %d more)", n)
	}
	return b.String()
}

// Unwrap returns every key's error, for errors.Is and errors.As.
func (e *DeleteError) Unwrap() []error {
	errs := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		errs[i] = f.Err
	}
	return errs
}
