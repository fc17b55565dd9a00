package query

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync/atomic"

	"github.com/flowlog/flowlog/internal/parquetio"
	"github.com/flowlog/flowlog/internal/record"
)

// spoolInMemory is the largest Parquet stream (an object in a bucket,
// standard input) held in memory for reading; a larger one goes to a
// temporary file first. Parquet is read from its end (the footer) and by
// column, which a stream cannot do.
const spoolInMemory = 64 << 20

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
	rd.stats.BytesRead += read
	if rd.q.Progress != nil {
		rd.q.Progress(read)
	}
	if ctxErr := ctx.Err(); ctxErr != nil || stopped {
		return ctxErr
	}
	if err != nil {
		return &record.SourceError{Source: in.Name, Err: unwrapName(err, in.Name)}
	}
	rd.stats.Sources++
	return nil
}

// isParquetFile reports whether rc is a file that starts with Parquet's
// magic bytes. A file's first bytes are read on their own: Parquet is read
// from its footer, and filling the stream's buffer first would read 64 KiB
// that nothing uses.
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
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, rd.raw, spoolInMemory+1)
	if err != nil && err != io.EOF {
		return nil, 0, nil, err
	}
	if n <= spoolInMemory {
		return bytes.NewReader(buf.Bytes()), n, func() {}, nil
	}
	tmp, err := os.CreateTemp("", "flowlog-parquet-*")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("spool a large parquet stream: %w", err)
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := buf.WriteTo(tmp); err != nil {
		cleanup()
		return nil, 0, nil, fmt.Errorf("spool a large parquet stream: %w", err)
	}
	total, err := io.Copy(tmp, rd.raw)
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
		return fmt.Errorf("%s", msg[len(name)+2:])
	}
	return err
}
