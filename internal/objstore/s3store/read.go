package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/flowlog/flowlog/internal/objstore"
)

// DefaultReadAttempts bounds the attempts in a row that bring no byte of
// an object, when Config.MaxAttempts is 0: as many as rclone's low-level
// retries, so that a network dropping one request in four still reads
// every object.
const DefaultReadAttempts = 10

// Open starts a GetObject and streams its body. A body that fails on the
// way — the connection reset or closed early, no data for longer than the
// read timeout, a 5xx when asked again — is requested again from the byte
// where it stopped, with Range and If-Match on its ETag, after a backoff,
// so the reader sees one continuous stream. It fails only after
// MaxAttempts attempts in a row that brought no byte, or when the object
// was replaced meanwhile, with an error naming the object.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	r := &objectReader{s: s, ctx: ctx, key: key, size: -1}
	if err := r.connect(); err != nil {
		return nil, err
	}
	return r, nil
}

// objectReader is one object's body, across as many requests as it takes.
type objectReader struct {
	s    *Store
	ctx  context.Context
	key  string
	etag string // of the first response; resumed requests must match it
	size int64  // the object's size, -1 until known
	off  int64  // bytes handed out so far
	// start and end are the bytes asked for, [start, end): 0 and 0 for
	// the whole object; a range (ReadRange) sends Range from the first
	// request on.
	start, end int64

	resp     *response // the request being read; nil between requests
	failures int       // attempts in a row that brought no byte
	lastErr  error
	closed   bool
	// failing is set when a patient read (objstore.WithPatience) has spent
	// its attempts and goes on trying.
	failing bool
}

// response is one GetObject being read, with the watchdog that abandons it
// when no byte arrives for the read timeout.
type response struct {
	body     io.ReadCloser
	cancel   context.CancelFunc
	watchdog *time.Timer
	stalled  atomic.Bool
	skip     int64 // bytes to drop: a server that ignored Range sends all
}

// readError is a failure of the reader's own making, for messages.
type readError struct {
	msg string
	err error // what it is, for errors.Is
}

func (e *readError) Error() string { return e.msg }

func (e *readError) Unwrap() error { return e.err }

// errChanged is an object replaced while it was read: its bytes so far
// belong to the old version, so it cannot be resumed.
var errChanged = &readError{objstore.ErrChanged.Error(), objstore.ErrChanged}

func (r *objectReader) Read(p []byte) (int, error) {
	if r.closed {
		return 0, fmt.Errorf("read %s: %w", r.s.name(r.key), io.ErrClosedPipe)
	}
	for {
		if r.resp == nil {
			if err := r.connect(); err != nil {
				return 0, err
			}
		}
		resp := r.resp
		resp.watchdog.Reset(r.s.readTimeout)
		n, err := resp.body.Read(p)
		resp.watchdog.Stop()
		if resp.skip > 0 {
			drop := min(int64(n), resp.skip)
			resp.skip -= drop
			n = copy(p, p[drop:n])
		}
		r.off += int64(n)
		if n > 0 {
			r.failures = 0
		}
		switch {
		case err == nil:
			if n > 0 {
				return n, nil
			}
			continue
		case err == io.EOF && (r.size < 0 && r.end == 0 || r.off >= r.size && r.size >= 0 || r.end > 0 && r.off >= r.end):
			return n, io.EOF
		case r.ctx.Err() != nil:
			return n, fmt.Errorf("read %s: %w", r.s.name(r.key), r.ctx.Err())
		case resp.stalled.Load():
			err = &readError{msg: fmt.Sprintf("no data for %v at byte %d", r.s.readTimeout, r.off)}
		case err == io.EOF:
			err = &readError{msg: fmt.Sprintf("connection closed at byte %d of %d", r.off, r.size)}
		}
		r.drop()
		r.failures++
		r.lastErr = err
		if n > 0 {
			return n, nil
		}
	}
}

// Close ends the request being read.
func (r *objectReader) Close() error {
	r.closed = true
	r.drop()
	return nil
}

func (r *objectReader) drop() {
	if r.resp == nil {
		return
	}
	r.resp.watchdog.Stop()
	r.resp.body.Close()
	r.resp.cancel()
	r.resp = nil
}

// connect sends GetObject requests, with backoff, until one answers with
// the body from r.off on, or the attempts are spent.
func (r *objectReader) connect() error {
	for {
		if r.failures > 0 {
			if r.failures >= r.s.readAttempts {
				p := objstore.PatienceOf(r.ctx)
				if p == nil {
					return r.giveUp()
				}
				if !r.failing {
					r.failing = true
					p.Failing(r.giveUp())
				}
			}
			d := backoffDelay(r.failures)
			r.s.counters.Retries.Add(1)
			of := strconv.Itoa(r.s.readAttempts)
			if r.failing {
				of = "until it works"
			}
			r.s.log(fmt.Sprintf("retry GET %s from byte %d in %v (attempt %d of %s): %s",
				r.s.name(r.key), r.off, d.Round(time.Millisecond), r.failures+1, of, reason(r.lastErr)))
			t := time.NewTimer(d)
			select {
			case <-r.ctx.Done():
				t.Stop()
				return fmt.Errorf("read %s: %w", r.s.name(r.key), r.ctx.Err())
			case <-t.C:
			}
		}
		err := r.get()
		switch {
		case err == nil:
			if r.failing {
				r.failing = false
				objstore.PatienceOf(r.ctx).Recovered()
			}
			return nil
		case r.ctx.Err() != nil:
			return r.s.wrap(r.ctx, r.op(), r.key, objstore.ErrNotFound, err)
		case !retryable(err):
			if errors.Is(err, errChanged) {
				return fmt.Errorf("read %s: %w", r.s.name(r.key), err)
			}
			return r.s.wrap(r.ctx, r.op(), r.key, objstore.ErrNotFound, err)
		}
		r.failures++
		r.lastErr = err
	}
}

func (r *objectReader) op() string {
	if r.off == 0 && r.etag == "" {
		return "open"
	}
	return "read"
}

func (r *objectReader) giveUp() error {
	err := r.s.wrap(r.ctx, r.op(), r.key, objstore.ErrNotFound, r.lastErr)
	var oe *opError
	if errors.As(err, &oe) && !strings.Contains(oe.msg, " attempts)") {
		oe.msg += fmt.Sprintf(" (after %d attempts)", r.failures)
	}
	return err
}

// get sends one GetObject for the bytes from r.off on.
func (r *objectReader) get() error {
	ctx, cancel := context.WithCancel(r.ctx)
	resp := &response{cancel: cancel}
	// The watchdog covers the wait for the headers too, whatever the
	// HTTP client.
	resp.watchdog = time.AfterFunc(r.s.readTimeout, func() {
		resp.stalled.Store(true)
		cancel()
	})
	in := &s3.GetObjectInput{Bucket: &r.s.bucket, Key: &r.key}
	resuming := r.off > 0 || r.end > 0
	if resuming {
		rng := fmt.Sprintf("bytes=%d-", r.off)
		if r.end > 0 {
			rng += strconv.FormatInt(r.end-1, 10)
		}
		in.Range = &rng
		if r.etag != "" {
			in.IfMatch = aws.String(`"` + r.etag + `"`)
		}
	}
	// This loop does the retrying, knowing the object and the offset.
	out, err := r.s.client.GetObject(ctx, in, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	resp.watchdog.Stop()
	if err != nil {
		cancel()
		var apiErr smithy.APIError
		switch {
		case resp.stalled.Load() && r.ctx.Err() == nil:
			return &readError{msg: fmt.Sprintf("no response for %v", r.s.readTimeout)}
		case resuming && errors.As(err, &apiErr) && apiErr.ErrorCode() == "PreconditionFailed":
			return errChanged
		}
		return err
	}
	resp.body = out.Body
	etag := strings.Trim(aws.ToString(out.ETag), `"`)
	if !resuming {
		r.etag = etag
		if out.ContentLength != nil {
			r.size = *out.ContentLength
		}
		r.resp = resp
		return nil
	}
	if r.etag != "" && etag != "" && etag != r.etag {
		r.resp = resp
		r.drop()
		return errChanged // a server that ignores If-Match
	}
	switch start, total, ok := contentRange(aws.ToString(out.ContentRange)); {
	case !ok:
		resp.skip = r.off // the whole object came back
		if out.ContentLength != nil {
			r.size = *out.ContentLength
		}
	case start != r.off:
		r.resp = resp
		r.drop()
		return &readError{msg: fmt.Sprintf("asked for the bytes from %d on, got them from %d on", r.off, start)}
	case total >= 0:
		r.size = total
	}
	if r.etag == "" {
		r.etag = etag // a range asked for without one: the rest must match it
	}
	r.s.counters.ResumedBytes.Add(r.off - r.start)
	r.resp = resp
	return nil
}

// contentRange reads the first byte of a Content-Range, "bytes
// 100-199/200", and the object's size after the slash (-1 for "*").
func contentRange(cr string) (start, total int64, ok bool) {
	rest, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, 0, false
	}
	first, rest, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, 0, false
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	total = -1
	if _, size, found := strings.Cut(rest, "/"); found && size != "*" {
		if total, err = strconv.ParseInt(size, 10, 64); err != nil || total < 0 {
			return 0, 0, false
		}
	}
	return start, total, true
}

// ReadRange reads len(p) bytes of an object from off on, in one GetObject
// with Range (and If-Match on etag when it is given) that is resumed where
// it stopped as Open's are. Bytes past the end of the object are not there:
// it returns the ones before with io.EOF.
func (s *Store) ReadRange(ctx context.Context, key, etag string, p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r := &objectReader{s: s, ctx: ctx, key: key, etag: etag, size: -1, off: off, start: off, end: off + int64(len(p))}
	if err := r.connect(); err != nil {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode() == "InvalidRange" {
			return 0, io.EOF // off is at or past the end
		}
		return 0, err
	}
	defer r.Close()
	n, err := io.ReadFull(r, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// retryable reports whether a failed GetObject may succeed if sent again.
func retryable(err error) bool {
	var own *readError
	if errors.As(err, &own) {
		return own != errChanged
	}
	if retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary {
		return true
	}
	return retry.IsErrorTimeouts(retry.DefaultTimeouts).IsErrorTimeout(err) == aws.TrueTernary
}
