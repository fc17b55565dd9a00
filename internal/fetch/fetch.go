// Package fetch downloads objects into a local folder, keeping their key
// layout: the work of `flowlog fetch` once the objects are listed. Every
// object is written through a local.Store, so it lands whole or not at all,
// after its size (and MD5, where the ETag is one) matched the listing; a
// copy already present and identical is skipped, so running a fetch again
// finishes one that was interrupted.
package fetch

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/gzip"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
)

// Job is one object to download, as its store listed it.
type Job struct {
	Store  objstore.Store
	Object objstore.Object
}

// Options say how to download.
type Options struct {
	// Decompress writes gzip objects uncompressed: x.log.gz becomes x.log.
	Decompress bool
	// Parallel is the number of objects downloaded at once; less than 1
	// means 1.
	Parallel int
	// Done, if set, is called once for every object fetched, already
	// present or refused.
	Done func()
	// Refused, if set, is called for every object whose key would name a
	// file outside the folder, before its Done.
	Refused func(*RefusedKeyError)
}

// Stats counts what a Run did.
type Stats struct {
	Fetched, Present, Refused int64
	Bytes                     int64 // fetched, as stored
}

// RefusedKeyError is an object that was not written because its key would
// name a file outside the folder: keys come from a server, and a hostile
// one must not write elsewhere.
type RefusedKeyError struct {
	Key    string // as it would be written (without .gz when decompressing)
	Reason string
}

func (e *RefusedKeyError) Error() string {
	return fmt.Sprintf("refusing key %q: %s; it was not written", e.Key, e.Reason)
}

// Run downloads the jobs' objects into dst. Refused keys are counted and
// reported through opts.Refused; the others carry on. The first other
// failure stops the run, and its error names the object; the objects
// written by then are complete. The callbacks are never called at once.
func Run(ctx context.Context, dst *local.Store, jobs []Job, opts Options) (Stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		counts   struct{ fetched, present, refused, bytes atomic.Int64 }
		mu       sync.Mutex // serializes the callbacks
		firstErr error
		errOnce  sync.Once
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	for range min(max(opts.Parallel, 1), max(len(jobs), 1)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) || ctx.Err() != nil {
					return
				}
				j := jobs[i]
				n, present, err := fetchObject(ctx, dst, j, opts.Decompress)
				var invalid *local.InvalidKeyError
				switch {
				case errors.As(err, &invalid):
					counts.refused.Add(1)
					if opts.Refused != nil {
						mu.Lock()
						opts.Refused(&RefusedKeyError{Key: invalid.Key, Reason: invalid.Reason})
						mu.Unlock()
					}
				case err != nil:
					errOnce.Do(func() {
						firstErr = fmt.Errorf("fetch %s/%s: %w", j.Store, j.Object.Key, err)
						cancel()
					})
					return
				case present:
					counts.present.Add(1)
				default:
					counts.fetched.Add(1)
					counts.bytes.Add(n)
				}
				if opts.Done != nil {
					mu.Lock()
					opts.Done()
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return Stats{
		Fetched: counts.fetched.Load(),
		Present: counts.present.Load(),
		Refused: counts.refused.Load(),
		Bytes:   counts.bytes.Load(),
	}, firstErr
}

// fetchObject downloads one object unless an identical copy is present. It
// returns the bytes downloaded, and whether the copy was present.
func fetchObject(ctx context.Context, dst *local.Store, j Job, decompress bool) (int64, bool, error) {
	o := j.Object
	key := o.Key
	decompress = decompress && strings.HasSuffix(key, ".gz")
	if decompress {
		key = strings.TrimSuffix(key, ".gz")
	}
	want, haveMD5 := md5ETag(o.ETag)
	// Stat also checks the key, before anything is downloaded.
	if have, err := dst.Stat(ctx, key); err == nil {
		// A decompressed copy was renamed into place only once verified.
		if decompress {
			return 0, true, nil
		}
		if have.Size == o.Size {
			if !haveMD5 {
				return 0, true, nil
			}
			if sum, err := storedMD5(ctx, dst, key); err == nil && string(sum) == string(want) {
				return 0, true, nil
			}
		}
	} else if errors.Is(err, objstore.ErrInvalidKey) {
		return 0, false, err
	}

	body, err := j.Store.Open(ctx, o.Key)
	if err != nil {
		return 0, false, err
	}
	defer body.Close()
	h := md5.New()
	counted := &countingWriter{}
	raw := io.TeeReader(body, io.MultiWriter(h, counted))
	var r io.Reader = raw
	if decompress {
		r = &gunzipReader{src: raw}
	}
	err = dst.Write(ctx, key, r, func(int64) error {
		return verifyDownload(o, counted.n, h, want, haveMD5)
	})
	if err != nil {
		return 0, false, err
	}
	return counted.n, false, nil
}

// md5ETag returns the MD5 an ETag stands for, if it is one: single-part
// uploads have the hex MD5 of the body as ETag, multipart ones do not.
func md5ETag(etag string) ([]byte, bool) {
	etag = strings.Trim(etag, `"`)
	if len(etag) != 32 {
		return nil, false
	}
	b, err := hex.DecodeString(etag)
	return b, err == nil
}

func storedMD5(ctx context.Context, s *local.Store, key string) ([]byte, error) {
	r, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	h := md5.New()
	if _, err := io.Copy(h, r); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// gunzipReader decompresses src, and reads it to the end before it ends,
// so the size and checksum of what was downloaded cover every byte.
type gunzipReader struct {
	src io.Reader
	zr  *gzip.Reader
}

func (g *gunzipReader) Read(p []byte) (int, error) {
	if g.zr == nil {
		zr, err := gzip.NewReader(g.src)
		if err != nil {
			return 0, fmt.Errorf("not gzip data: %w", err)
		}
		g.zr = zr
	}
	n, err := g.zr.Read(p)
	switch {
	case err == io.EOF:
		if _, err := io.Copy(io.Discard, g.src); err != nil {
			return n, err
		}
		return n, io.EOF
	case err != nil:
		return n, fmt.Errorf("truncated or corrupt gzip data: %w", err)
	}
	return n, nil
}

func verifyDownload(o objstore.Object, n int64, h hash.Hash, want []byte, haveMD5 bool) error {
	if n != o.Size {
		return fmt.Errorf("incomplete download: %d of %d bytes", n, o.Size)
	}
	if haveMD5 && string(h.Sum(nil)) != string(want) {
		return fmt.Errorf("checksum mismatch: MD5 %x, ETag %x", h.Sum(nil), want)
	}
	return nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
