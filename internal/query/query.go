// Package query owns reading records from many inputs at once: it
// decompresses and parses inputs in parallel, filters records, and either
// counts them, aggregates them into groups, or hands encoded output back in
// input order, in bounded memory.
package query

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/flowlog/flowlog/internal/parquetio"
	"github.com/flowlog/flowlog/internal/record"
)

// Input is one source of record bytes: a file, an object, standard input.
// Inputs are read in the order given; Name appears in errors.
type Input struct {
	Name string
	Open func(ctx context.Context) (io.ReadCloser, error)
	// ReadAt, when set, reads the input's Size bytes at random, by ranges:
	// a Parquet object in a bucket has it, so that its footer is read
	// first and the rest only if a row group must be decoded (remoteFile).
	ReadAt func(ctx context.Context, p []byte, off int64) (int, error)
	Size   int64
}

// Matcher decides which records a query keeps. It is an alias of an
// interface literal so that a matcher's own package can name the same type
// without importing query (expr.Matcher), and return it from ForWorker.
type Matcher = interface {
	Match(r *record.Record) bool
	// Fields lists the record fields Match reads.
	Fields() record.FieldSet
}

// PerWorker is a Matcher that keeps state while it matches, such as a cache
// of name lookups, so goroutines must not share it: each worker of a query
// matches with its own copy from ForWorker. A Matcher without this method
// is shared by every worker, and must be safe for concurrent use.
type PerWorker interface {
	Matcher
	ForWorker() Matcher
}

// Query is what every kind of run shares.
type Query struct {
	Inputs      []Input
	Filter      Matcher // nil keeps every record
	SkipInvalid bool    // skip and count malformed lines instead of failing
	Workers     int     // inputs parsed at once; 0 means one per CPU
	// InFlight is how many inputs are opened, and the start of their
	// bodies read, at once: more than Workers for a bucket far away, whose
	// objects wait on the network more than on the CPU. At most Workers
	// (or 0) reads no input ahead.
	InFlight int
	// Progress, when set, is called after each input is read, from the
	// worker that read it.
	Progress func(bytesRead int64)
	// Bounds are what Filter requires of every record, as far as Parquet
	// statistics can check it: row groups outside them are not read. The
	// zero value skips nothing.
	Bounds parquetio.Bounds
	// Memory bounds the group tables of an aggregation, in bytes: past it
	// they spill to temporary files in TempDir ("" for the system's), and
	// the answer is the same. 0 leaves them unbounded.
	Memory  int64
	TempDir string
}

// Stats describe a finished run, for --stats.
type Stats struct {
	Sources   int           // inputs read to the end
	BytesRead int64         // bytes read from the inputs, as stored (compressed)
	Records   int64         // records parsed
	Matched   int64         // records the filter kept
	Skipped   int64         // malformed lines skipped
	Elapsed   time.Duration // wall time of the run

	// Past the memory budget (Query.Memory), group tables wrote SpillRuns
	// runs of SpillBytes bytes in all to temporary files.
	SpillRuns  int
	SpillBytes int64
}

func (q *Query) workers() int {
	if q.Workers > 0 {
		return q.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// need is the set of fields to parse: those the filter reads plus extra.
func (q *Query) need(extra record.FieldSet) record.FieldSet {
	if q.Filter != nil {
		extra |= q.Filter.Fields()
	}
	return extra
}

// reader is one worker's reusable state: buffers and a decompressor, so a
// worker allocates nothing per input once warmed up.
type reader struct {
	slot    int // the worker's index, for per-worker state such as group maps
	index   int // the input being read
	ahead   *readAhead
	q       *Query
	filter  Matcher // the worker's own when it keeps state (PerWorker)
	need    record.FieldSet
	raw     *bufio.Reader
	gz      *gzip.Reader
	sc      *record.Scanner
	stats   Stats
	counter countingReader
	pq      parquetio.Reader
	line    bool // Parquet records need their text form (raw output)
	// countOnly: visit does nothing but count, so a Parquet row group
	// whose statistics put every record in exact Bounds needs no decoding.
	countOnly bool
}

// forWorker returns the matcher a worker uses for m: its own copy when m
// keeps state (PerWorker), else m.
func forWorker(m Matcher) Matcher {
	if pw, ok := m.(PerWorker); ok {
		return pw.ForWorker()
	}
	return m
}

func newReader(q *Query, need record.FieldSet) *reader {
	return &reader{
		q:      q,
		filter: forWorker(q.Filter),
		need:   need,
		raw:    bufio.NewReaderSize(nil, 64<<10),
		sc:     record.NewScanner(nil, "", need),
	}
}

// countingReader counts the bytes read from a source and keeps its read
// error, to tell a failing source from corrupt data. It is also where a
// read notices that its context is done: once a buffer of compressed
// bytes, rather than once a record.
type countingReader struct {
	ctx context.Context
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return 0, err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// read scans one input, calling visit for every record the filter keeps.
// visit returns false to stop early (a reached limit).
func (rd *reader) read(ctx context.Context, in Input, visit func(*record.Record) bool) error {
	var rc io.ReadCloser
	var err error
	switch {
	case rd.ahead != nil:
		rc, err = rd.ahead.take(ctx, rd.index)
	case in.ReadAt != nil:
		rc = &remoteFile{ctx: ctx, in: in}
	default:
		rc, err = in.Open(ctx)
	}
	if err != nil {
		return err
	}
	defer func() { rc.Close() }()
	rd.counter = countingReader{ctx: ctx, r: rc}
	if f, ok := rc.(*remoteFile); ok {
		isParquet, err := f.isParquet()
		if err != nil {
			return err // the store's, naming the object
		}
		if isParquet {
			return rd.readParquet(ctx, in, rc, visit)
		}
		// Named .parquet but not Parquet: read it as a stream.
		rc.Close()
		stream, err := in.Open(ctx)
		if err != nil {
			return err
		}
		rc = stream
		rd.counter = countingReader{ctx: ctx, r: rc}
	}
	if parquetio.IsParquetKey(in.Name) && isParquetFile(rc) {
		return rd.readParquet(ctx, in, rc, visit)
	}
	rd.raw.Reset(&rd.counter)

	var text io.Reader = rd.raw
	if magic, _ := rd.raw.Peek(4); string(magic) == "PAR1" {
		return rd.readParquet(ctx, in, rc, visit)
	}
	magic, _ := rd.raw.Peek(2)
	compressed := len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	if compressed {
		if rd.gz == nil {
			rd.gz, err = gzip.NewReader(rd.raw)
		} else {
			err = rd.gz.Reset(rd.raw)
		}
		if err != nil {
			// A header cut short by a cancel or a failing source is not
			// a corrupt one.
			if ctxErr := ctx.Err(); ctxErr != nil {
				return ctxErr
			}
			if rd.counter.err != nil {
				return &record.SourceError{Source: in.Name, Err: rd.counter.err}
			}
			return &record.SourceError{Source: in.Name, Err: fmt.Errorf("corrupt gzip header: %w", err)}
		}
		text = rd.gz
	}
	rd.sc.Reset(nil, in.Name)
	rd.sc.SkipInvalid(rd.q.SkipInvalid)

	// Without a filter every record goes straight to visit: one call a
	// record fewer.
	filter := rd.filter
	fn, matched := visit, int64(0)
	if filter != nil {
		fn = func(r *record.Record) bool {
			if !filter.Match(r) {
				return true
			}
			matched++
			return visit(r)
		}
	}
	err = rd.sc.Each(text, fn)
	records := int64(rd.sc.Records())
	if filter == nil {
		matched = records
	}
	rd.stats.Records += records
	rd.stats.Matched += matched
	rd.stats.Skipped += int64(rd.sc.Skipped())
	rd.stats.BytesRead += rd.counter.n
	if rd.q.Progress != nil {
		rd.q.Progress(rd.counter.n)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if err != nil {
		var se *record.SourceError
		if compressed && errors.As(err, &se) && rd.counter.err == nil {
			return &record.SourceError{Source: in.Name, Err: fmt.Errorf("truncated or corrupt gzip data: %w", se.Err)}
		}
		return err
	}
	rd.stats.Sources++
	return nil
}

// forEachInput runs work for every input on the query's workers, each
// worker with its own reader. It returns the error of the first failing
// input in input order: inputs after a failed one are skipped, inputs
// before it still run, so the error reported does not depend on timing.
// Workers take the inputs in input order when ordered is set; else, when
// inputs are read ahead, in the order they arrive.
func (q *Query) forEachInput(ctx context.Context, need record.FieldSet, ordered bool, work func(rd *reader, i int) error) ([]*reader, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var failedAt atomic.Int64
	failedAt.Store(int64(len(q.Inputs)))
	errs := make([]error, len(q.Inputs))
	next := atomic.Int64{}

	n := min(q.workers(), max(len(q.Inputs), 1))
	var ahead *readAhead
	if q.InFlight > n {
		ahead = startReadAhead(ctx, q.Inputs, q.InFlight)
		defer ahead.stop()
		defer cancel() // before stop: openers waiting for a slot give up
	}
	readers := make([]*reader, n)
	var wg sync.WaitGroup
	for w := range readers {
		readers[w] = newReader(q, need)
		readers[w].slot = w
		readers[w].ahead = ahead
		wg.Go(func() {
			for {
				var i int
				if ahead != nil && !ordered {
					var ok bool
					if i, ok = ahead.nextArrived(ctx); !ok {
						return
					}
					if int64(i) > failedAt.Load() {
						ahead.discard(ctx, i)
						continue
					}
				} else {
					i = int(next.Add(1) - 1)
					if i >= len(q.Inputs) || int64(i) > failedAt.Load() || ctx.Err() != nil {
						return
					}
				}
				readers[w].index = i
				if err := work(readers[w], i); err != nil {
					errs[i] = err
					for {
						cur := failedAt.Load()
						if int64(i) >= cur || failedAt.CompareAndSwap(cur, int64(i)) {
							break
						}
					}
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return readers, err
		}
	}
	return readers, ctx.Err()
}

func sumStats(readers []*reader, start time.Time) Stats {
	var s Stats
	for _, rd := range readers {
		s.Sources += rd.stats.Sources
		s.BytesRead += rd.stats.BytesRead
		s.Records += rd.stats.Records
		s.Matched += rd.stats.Matched
		s.Skipped += rd.stats.Skipped
	}
	s.Elapsed = time.Since(start)
	return s
}

// Count returns how many records the filter keeps.
func (q *Query) Count(ctx context.Context) (int64, Stats, error) {
	start := time.Now()
	readers, err := q.forEachInput(ctx, q.need(0), false, func(rd *reader, i int) error {
		rd.countOnly = true // a Parquet row group wholly in Bounds is counted, not decoded
		return rd.read(ctx, q.Inputs[i], func(*record.Record) bool { return true })
	})
	stats := sumStats(readers, start)
	return stats.Matched, stats, err
}
