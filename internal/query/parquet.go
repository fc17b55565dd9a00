package query

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"

	"github.com/flowlog/flowlog/internal/parquetio"
	"github.com/flowlog/flowlog/internal/record"
)

// spoolInMemory is the largest Parquet stream (an object in a bucket,
// standard input) held in memory for reading; a larger one goes to a
// temporary file first. Parquet is read from its end (the footer) and by
// column, which a stream cannot do.
var spoolInMemory int64 = 64 << 20 // a variable for the tests

// readParquet reads a Parquet input, which reader.read recognised by its
// magic bytes: the same records, to the same visit function, as a text
// input would give, with row groups outside q.Bounds never decoded.
func (rd *reader) readParquet(ctx context.Context, in Input, rc io.ReadCloser, visit func(*record.Record) bool) error {
	ra, size, cleanup, err := rd.readerAt(rc)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return &record.SourceError{Source: in.Name, Err: err}
	}
	defer cleanup()
	counted := &countingReaderAt{r: ra}
	f, err := parquetio.Open(counted, size, in.Name)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		if serr := storageError(rc); serr != nil {
			return serr
		}
		return &record.SourceError{Source: in.Name, Err: unwrapName(err, in.Name)}
	}

	filter := rd.filter // the worker's own (see PerWorker)
	var matched, seen int64
	stopped := false
	fn := func(r *record.Record) bool {
		seen++
		if seen&4095 == 0 && ctx.Err() != nil {
			stopped = true
			return false
		}
		if filter != nil && !filter.Match(r) {
			return true
		}
		matched++
		return visit(r)
	}
	var records, whole int64
	if rd.countOnly {
		records, whole, err = rd.pq.Count(f, rd.need, rd.q.Bounds, fn)
	} else {
		records, err = rd.pq.Each(f, rd.need, rd.line, rd.q.Bounds, fn)
	}
	rd.stats.Records += records + whole
	rd.stats.Matched += matched + whole
	read := counted.n.Load()
	if rd.counter.n > read {
		read = rd.counter.n // a stream read whole
	}
	if f, ok := rc.(*remoteFile); ok {
		read = f.fetched.Load() // what came over the network
	}
	rd.stats.BytesRead += read
	if rd.q.Progress != nil {
		rd.q.Progress(read)
	}
	if ctxErr := ctx.Err(); ctxErr != nil || stopped {
		return ctxErr
	}
	if err != nil {
		if serr := storageError(rc); serr != nil {
			return serr
		}
		return &record.SourceError{Source: in.Name, Err: unwrapName(err, in.Name)}
	}
	rd.stats.Sources++
	return nil
}

// remoteTail is how much of the end of a Parquet object in a bucket is read
// first: the footer and the 8 bytes after it, for most files.
const remoteTail = 64 << 10

// remoteFile is a Parquet input in a bucket, read by ranges (Input.ReadAt):
// its last remoteTail bytes first, which hold the footer of most files, and
// the rest in one request the first time a row group must be decoded. A
// question the statistics answer (a count of a window, of whole row
// groups) so reads a few KiB of each object; one that decodes reads it
// all, as a stream would, in two requests. The rest is not read by column
// chunk: each would be a request, and on a bucket tens of milliseconds
// away the requests cost more than the bytes.
type remoteFile struct {
	ctx context.Context
	in  Input
	// release gives back the read-ahead slot the file holds; nil if none.
	release func()

	mu      sync.Mutex
	tail    []byte // the input's last bytes
	tailErr error
	tailed  bool
	rest    io.ReaderAt // bytes [0, Size-len(tail)), once read
	restErr error
	cleanup func()
	fetched atomic.Int64 // bytes read from the store
	closed  bool
}

// Read is not how a remoteFile is read: reader.read hands it to
// readParquet, which reads it at random.
func (f *remoteFile) Read([]byte) (int, error) {
	return 0, errors.New("a Parquet object in a bucket is read by ranges, not as a stream")
}

func (f *remoteFile) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil
	}
	f.closed = true
	if f.cleanup != nil {
		f.cleanup()
	}
	f.tail, f.rest = nil, nil
	if f.release != nil {
		f.release()
	}
	return nil
}

// fetchTail reads the input's last bytes, once.
func (f *remoteFile) fetchTail() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetchTailLocked()
}

func (f *remoteFile) fetchTailLocked() error {
	if f.tailed {
		return f.tailErr
	}
	f.tailed = true
	n := min(remoteTail, f.in.Size)
	tail := make([]byte, n)
	m, err := f.in.ReadAt(f.ctx, tail, f.in.Size-n)
	f.fetched.Add(int64(m))
	if int64(m) < n {
		if err == nil || err == io.EOF {
			err = fmt.Errorf("read %s: %d bytes where the listing said %d", f.in.Name, f.in.Size-n+int64(m), f.in.Size)
		}
		f.tailErr = err
		return err
	}
	f.tail = tail
	return nil
}

// isParquet reports whether the input ends with Parquet's magic bytes.
func (f *remoteFile) isParquet() (bool, error) {
	if err := f.fetchTail(); err != nil {
		return false, err
	}
	return len(f.tail) >= 4 && string(f.tail[len(f.tail)-4:]) == "PAR1", nil
}

func (f *remoteFile) ReadAt(p []byte, off int64) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, fs.ErrClosed
	}
	if err := f.fetchTailLocked(); err != nil {
		return 0, err
	}
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	tailStart := f.in.Size - int64(len(f.tail))
	n := 0
	if off < tailStart && len(p) > 0 {
		if err := f.fetchRestLocked(tailStart); err != nil {
			return 0, err
		}
		k := min(int64(len(p)), tailStart-off)
		m, err := f.rest.ReadAt(p[:k], off)
		n += m
		if int64(m) < k {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return n, err
		}
		p, off = p[k:], off+k
	}
	if len(p) > 0 {
		if off >= f.in.Size {
			return n, io.EOF
		}
		m := copy(p, f.tail[off-tailStart:])
		n += m
		if m < len(p) {
			return n, io.EOF
		}
	}
	return n, nil
}

// fetchRestLocked reads the bytes before the tail, in requests of up to
// 8 MiB (one for most files), with spool.
func (f *remoteFile) fetchRestLocked(size int64) error {
	if f.rest != nil || f.restErr != nil {
		return f.restErr
	}
	ranges := bufio.NewReaderSize(io.NewSectionReader(remoteBytes{f}, 0, size), 8<<20)
	rest, n, cleanup, err := spool(ranges)
	if err == nil && n != size {
		cleanup()
		err = fmt.Errorf("read %s: %d bytes where the listing said %d", f.in.Name, n+f.in.Size-size, f.in.Size)
	}
	if err != nil {
		f.restErr = err
		return err
	}
	f.rest, f.cleanup = rest, cleanup
	return nil
}

// remoteBytes reads a remoteFile's input by ranges, counting the bytes.
type remoteBytes struct{ f *remoteFile }

func (r remoteBytes) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.f.in.ReadAt(r.f.ctx, p, off)
	r.f.fetched.Add(int64(n))
	return n, err
}

// isParquetFile reports whether rc is a file that starts with Parquet's
// magic bytes, read on their own: Parquet is read from its footer, and
// filling the stream's buffer first would read 64 KiB that nothing uses.
// It is asked of files named .parquet only; any other file is sniffed in
// that buffer, which its text needs anyway, without a read more.
func isParquetFile(rc io.Reader) bool {
	f, ok := rc.(*os.File)
	if !ok {
		return false
	}
	var magic [4]byte
	n, _ := f.ReadAt(magic[:], 0)
	return n == len(magic) && string(magic[:]) == "PAR1"
}

// readerAt gives random access to an input: a file as it is, any other
// stream read whole into memory or, past spoolInMemory, a temporary file.
func (rd *reader) readerAt(rc io.ReadCloser) (io.ReaderAt, int64, func(), error) {
	if f, ok := rc.(*remoteFile); ok {
		return f, f.in.Size, func() {}, nil
	}
	if body, ok := rc.(*aheadBody); ok {
		if body.err == nil && (body.eof || body.rc == nil) {
			// Read ahead whole: the bytes are all there.
			whole := body.buf.Bytes()
			return bytes.NewReader(whole), int64(len(whole)), func() {}, nil
		}
		if body.err == nil {
			rc = body.rc // a file underneath reads at random as well
		}
	}
	if f, ok := rc.(interface {
		io.ReaderAt
		Stat() (fs.FileInfo, error)
	}); ok {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
			return f, info.Size(), func() {}, nil
		}
	}
	return spool(rd.raw)
}

// spool reads r whole for reading at random: into memory up to
// spoolInMemory bytes, into a temporary file past that. cleanup removes
// the file.
func spool(r io.Reader) (ra io.ReaderAt, size int64, cleanup func(), err error) {
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, r, spoolInMemory+1)
	if err != nil && err != io.EOF {
		return nil, 0, nil, err
	}
	if n <= spoolInMemory {
		return bytes.NewReader(buf.Bytes()), n, func() {}, nil
	}
	tmp, err := os.CreateTemp("", "flowlog-parquet-*")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("spool a large parquet input: %w", err)
	}
	cleanup = func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := buf.WriteTo(tmp); err != nil {
		cleanup()
		return nil, 0, nil, fmt.Errorf("spool a large parquet input: %w", err)
	}
	total, err := io.Copy(tmp, r)
	if err != nil {
		cleanup()
		return nil, 0, nil, err
	}
	return tmp, n + total, cleanup, nil
}

// countingReaderAt counts the bytes read at random: a query that skips row
// groups reads less than the file.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// unwrapName drops the "NAME: " parquetio puts in front of its errors, since
// SourceError names the input.
func unwrapName(err error, name string) error {
	if msg := err.Error(); len(msg) > len(name)+2 && msg[:len(name)+2] == name+": " {
		return &renamedError{msg[len(name)+2:], err}
	}
	return err
}

// renamedError is an error said in other words, which errors.Is and
// errors.As still see through: a storage failure keeps its exit code.
type renamedError struct {
	msg string
	err error
}

func (e *renamedError) Error() string { return e.msg }

func (e *renamedError) Unwrap() error { return e.err }

// storageError is the error a remote input met reading its bytes, if any:
// it names the object and what failed, and outranks what parquet-go (which
// read through it) made of the short read.
func storageError(rc io.ReadCloser) error {
	f, ok := rc.(*remoteFile)
	if !ok {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tailErr != nil {
		return f.tailErr
	}
	return f.restErr
}
