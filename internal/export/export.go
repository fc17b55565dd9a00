// Package export owns converting flow log objects (gzip text) into Parquet
// laid out in Hive partitions — flowlog=NAME/date=YYYY-MM-DD/hour=HH/ — in a
// folder or a bucket, incrementally: a manifest in the target says which
// objects are converted, so a run converts only new ones, never a record
// twice, and a run that was interrupted is undone and redone by the next.
package export

import (
	"bufio"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/parquetio"
	"github.com/flowlog/flowlog/internal/record"
	"github.com/flowlog/flowlog/internal/source"
)

// Target is where an export writes: a store and a folder in it ("" for its
// top).
type Target struct {
	Store  objstore.Store
	Prefix string // without slashes at either end
}

func (t *Target) key(rel string) string {
	if t.Prefix == "" {
		return rel
	}
	return t.Prefix + "/" + rel
}

// String names the target for messages.
func (t *Target) String() string {
	if t.Prefix == "" {
		return t.Store.String()
	}
	return t.Store.String() + "/" + t.Prefix
}

// Options tune a run; the zero value is the command's behaviour.
type Options struct {
	Window      source.Window
	SkipInvalid bool // skip and count malformed lines instead of failing
	// MaxRows is how many records are held in memory at most before the
	// largest partitions are written out (default 262144, some 40 MB).
	MaxRows int
	// CommitRows is about how many records a batch converts before it
	// commits; an interrupted run loses at most the batch in progress
	// (default 4 MaxRows).
	CommitRows int
	// RowGroupRows is passed to the Parquet writer (0: its default).
	RowGroupRows int
	// Listed, when set, is called once the sources are listed with the
	// number of objects to convert; Done after each one converted.
	Listed func(objects int)
	Done   func()
	// LockRefresh is how often the target's lock is refreshed (default
	// 15s); LockStale how long a lock may go without a refresh before
	// another export takes it over (default 5m).
	LockRefresh, LockStale time.Duration
}

// Stats describe a run.
type Stats struct {
	Listed    int   // objects listed in the window
	Present   int   // of those, converted by an earlier run
	Changed   int   // converted earlier, but different now (size or ETag): left alone
	Converted int   // objects converted by this run
	Records   int64 // records written
	Skipped   int64 // malformed lines skipped
	Files     int   // Parquet files written
	Bytes     int64 // bytes of Parquet written
	Undone    int   // files of an interrupted run removed first
	Batches   int   // batches committed
	// Unnamed is the number of objects whose key says no flow log (see
	// objectName), left unconverted; UnnamedExample one of their keys.
	Unnamed        int
	UnnamedExample string
	// Dropped holds the fields of AWS custom formats (vpc_id, tcp_flags,
	// ...) that records had but the Parquet schema has no column for, and
	// DroppedObjects the number of objects with such records.
	Dropped        record.FieldSet
	DroppedObjects int
	// TookOver, when not "", describes the dead export whose lock this
	// run took over.
	TookOver string
}

// job is one object to convert.
type job struct {
	store objstore.Store
	obj   objstore.Object
	name  string    // the flow log, from the key
	at    time.Time // the time the key gives, if any
}

// Run converts the objects of sets that the target's manifest does not
// list yet. It holds the target's lock while it runs (another export
// running into it is a *BusyError), and first undoes a batch an earlier
// run left uncommitted.
func Run(ctx context.Context, t *Target, sets []flowlog.Objects, opts Options) (Stats, error) {
	var st Stats
	if opts.MaxRows <= 0 {
		opts.MaxRows = 1 << 18
	}
	if opts.CommitRows <= 0 {
		opts.CommitRows = 4 * opts.MaxRows
	}
	l, lctx, err := acquire(ctx, t, opts)
	if err != nil {
		return st, err
	}
	defer l.release(ctx)
	if h := l.tookOver; h != nil {
		st.TookOver = fmt.Sprintf("pid %d on %s, started %s", h.PID, h.Host, h.Started.Format(time.RFC3339))
	}
	err = run(lctx, t, l, sets, opts, &st)
	var lost *LostLockError
	if cause := context.Cause(lctx); err != nil && ctx.Err() == nil && errors.As(cause, &lost) {
		err = cause // the run was stopped because the lock was lost
	}
	return st, err
}

func run(ctx context.Context, t *Target, l *lease, sets []flowlog.Objects, opts Options, st *Stats) error {
	undone, err := recoverPending(ctx, t)
	st.Undone = undone
	if err != nil {
		return err
	}
	m, err := readManifest(ctx, t)
	if err != nil {
		return err
	}

	var jobs []job
	var listed source.Stats
	for _, objs := range sets {
		found, err := source.List(ctx, objs, opts.Window, &listed)
		if err != nil {
			return err
		}
		for _, o := range found {
			if parquetio.IsParquetKey(o.Key) {
				continue // converted already, by someone
			}
			name, at, ok := objectName(o.Key)
			if objs.Name != "" {
				name, ok = objs.Name, true
			}
			if !ok {
				if st.Unnamed == 0 {
					st.UnnamedExample = objs.Store.String() + "/" + o.Key
				}
				st.Unnamed++
				continue
			}
			st.Listed++
			if c, ok := m.Has(o.Key); ok {
				if c.Size != o.Size || c.ETag != "" && o.ETag != "" && c.ETag != o.ETag {
					st.Changed++
				} else {
					st.Present++
				}
				continue
			}
			jobs = append(jobs, job{store: objs.Store, obj: o, name: name, at: at})
		}
	}
	// The same object named twice (a folder and a flow log in it) is
	// converted once.
	slices.SortStableFunc(jobs, func(a, b job) int { return strings.Compare(a.obj.Key, b.obj.Key) })
	jobs = slices.CompactFunc(jobs, func(a, b job) bool { return a.obj.Key == b.obj.Key })
	if opts.Listed != nil {
		opts.Listed(len(jobs))
	}
	if len(jobs) == 0 {
		return nil
	}

	w := &writer{t: t, lease: l, opts: opts, parts: map[parquetio.Partition]*partition{}, latest: map[string]int64{}, intern: parquetio.Interner{}}
	defer w.abandon()
	// Every known field, so that records of AWS custom formats show the
	// fields the schema has no column for.
	sc := record.NewScanner(nil, "", record.KnownFields)
	sc.SkipInvalid(opts.SkipInvalid)
	var gz *gzip.Reader
	for _, j := range jobs {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, skipped, dropped, err := w.convert(ctx, j, sc, &gz)
		st.Skipped += skipped
		if dropped != 0 {
			st.Dropped |= dropped
			st.DroppedObjects++
		}
		if err != nil {
			return err
		}
		w.batch = append(w.batch, Converted{Source: j.store.String(), Key: j.obj.Key, ETag: j.obj.ETag, Size: j.obj.Size, Records: n})
		w.batchRows += n
		if err := w.flushClosed(ctx); err != nil {
			return err
		}
		if w.batchRows >= int64(opts.CommitRows) {
			if err := w.commit(ctx, st); err != nil {
				return err
			}
		}
		st.Converted++
		if opts.Done != nil {
			opts.Done()
		}
	}
	return w.commit(ctx, st)
}

// partition is the records of one partition waiting to be written.
type partition struct {
	rows []parquetio.Row
}

// writer buffers records by partition and writes them out as Parquet files,
// in batches that commit to the manifest.
type writer struct {
	t      *Target
	lease  *lease // the target's lock, checked before a commit
	opts   Options
	parts  map[parquetio.Partition]*partition
	rows   int              // records buffered
	latest map[string]int64 // the latest start seen, by flow log
	intern parquetio.Interner

	batchID   string
	batch     []Converted // objects read in this batch
	batchRows int64
	files     []string // files this batch wrote
	stats     struct {
		files int
		bytes int64
		rows  int64
	}
}

// convert reads one object's records into the partitions. It returns the
// number of records, of lines skipped, and the fields records had that
// the schema has no column for.
func (w *writer) convert(ctx context.Context, j job, sc *record.Scanner, gz **gzip.Reader) (int64, int64, record.FieldSet, error) {
	rc, err := j.store.Open(ctx, j.obj.Key)
	if err != nil {
		return 0, 0, 0, err
	}
	defer rc.Close()
	name := j.store.String() + "/" + j.obj.Key
	raw := bufio.NewReaderSize(rc, 256<<10)
	var text io.Reader = raw
	if magic, _ := raw.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if *gz == nil {
			*gz, err = gzip.NewReader(raw)
		} else {
			err = (*gz).Reset(raw)
		}
		if err != nil {
			if ctx.Err() != nil {
				return 0, 0, 0, ctx.Err()
			}
			return 0, 0, 0, &record.SourceError{Source: name, Err: fmt.Errorf("corrupt gzip header: %w", err)}
		}
		text = *gz
	}
	sc.Reset(nil, name)
	var flushErr error
	var dropped record.FieldSet
	err = sc.Each(text, func(r *record.Record) bool {
		dropped |= r.Present &^ record.AllFields
		start := r.Start
		if !r.Has(record.Start) && !j.at.IsZero() {
			start = j.at.Unix() // no start: the hour of the object
		}
		p := parquetio.PartitionOf(j.name, start)
		part := w.parts[p]
		if part == nil {
			part = &partition{}
			w.parts[p] = part
		}
		part.rows = append(part.rows, parquetio.RowOf(r, w.intern))
		w.rows++
		if start > w.latest[j.name] {
			w.latest[j.name] = start
		}
		if w.rows >= w.opts.MaxRows {
			flushErr = w.flushLargest(ctx)
			return flushErr == nil
		}
		return true
	})
	if flushErr != nil {
		return 0, 0, 0, flushErr
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, 0, err
	}
	if err != nil {
		return 0, 0, 0, err
	}
	return int64(sc.Records()), int64(sc.Skipped()), dropped, nil
}

// flushClosed writes the partitions no later record of their flow log can
// fall in: a flow log's objects come in time order, and a record starts at
// most source.Margin before the time of its object.
func (w *writer) flushClosed(ctx context.Context) error {
	for _, p := range w.sortedParts() {
		latest := w.latest[p.FlowLog]
		if p.Hour.Add(time.Hour+2*source.Margin).Unix() < latest {
			if err := w.flush(ctx, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// flushLargest writes the largest partitions until half of MaxRows is left
// in memory.
func (w *writer) flushLargest(ctx context.Context) error {
	ps := w.sortedParts()
	slices.SortStableFunc(ps, func(a, b parquetio.Partition) int {
		return cmp.Compare(len(w.parts[b].rows), len(w.parts[a].rows))
	})
	for _, p := range ps {
		if w.rows <= w.opts.MaxRows/2 {
			break
		}
		if err := w.flush(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func (w *writer) sortedParts() []parquetio.Partition {
	ps := make([]parquetio.Partition, 0, len(w.parts))
	for p := range w.parts {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b parquetio.Partition) int {
		if c := strings.Compare(a.FlowLog, b.FlowLog); c != 0 {
			return c
		}
		return a.Hour.Compare(b.Hour)
	})
	return ps
}

// flush writes one partition's buffered records as a new file of the
// batch, noting it in the batch's pending note first.
func (w *writer) flush(ctx context.Context, p parquetio.Partition) error {
	part := w.parts[p]
	delete(w.parts, p)
	if len(part.rows) == 0 {
		return nil
	}
	if w.batchID == "" {
		w.batchID = newBatchID()
	}
	key := w.t.key(fmt.Sprintf("%s/part-%s-%04d.parquet", p.Dir(), w.batchID, len(w.files)))
	w.files = append(w.files, key)
	if err := w.putJSON(ctx, pendingDir+w.batchID+".json", pending{Batch: w.batchID, Files: w.files}); err != nil {
		return err
	}
	n, err := putFile(ctx, w.t.Store, key, func(out io.Writer) error {
		return parquetio.WriteFile(out, part.rows, parquetio.WriteOptions{
			RowGroupRows: w.opts.RowGroupRows,
			Metadata:     map[string]string{"flowlog.export.batch": w.batchID},
		})
	})
	if err != nil {
		return fmt.Errorf("write %s/%s: %w", w.t.Store, key, err)
	}
	w.rows -= len(part.rows)
	w.stats.files++
	w.stats.bytes += n
	w.stats.rows += int64(len(part.rows))
	return nil
}

// commit writes every partition out and then the batch's manifest
// segment: from that moment the batch's objects count as converted.
func (w *writer) commit(ctx context.Context, st *Stats) error {
	for _, p := range w.sortedParts() {
		if err := w.flush(ctx, p); err != nil {
			return err
		}
	}
	if len(w.batch) == 0 {
		return nil
	}
	if w.batchID == "" {
		w.batchID = newBatchID() // objects without records
	}
	// Commit only under this export's lock: one that took it over may
	// have removed this batch's files already.
	if err := w.lease.check(ctx); err != nil {
		return err
	}
	var seg strings.Builder
	enc := json.NewEncoder(&seg)
	for _, c := range w.batch {
		if err := enc.Encode(c); err != nil {
			return err
		}
	}
	if _, err := putFile(ctx, w.t.Store, w.t.key(manifestDir+w.batchID+".ndjson"), func(out io.Writer) error {
		_, err := io.WriteString(out, seg.String())
		return err
	}); err != nil {
		return fmt.Errorf("commit to the export manifest: %w", err)
	}
	if len(w.files) > 0 {
		if err := w.t.Store.Delete(ctx, []string{w.t.key(pendingDir + w.batchID + ".json")}); err != nil {
			return err
		}
	}
	st.Batches++
	st.Files += w.stats.files
	st.Bytes += w.stats.bytes
	st.Records += w.stats.rows
	w.stats = struct {
		files int
		bytes int64
		rows  int64
	}{}
	w.batchID, w.batch, w.batchRows, w.files = "", nil, 0, nil
	return nil
}

// abandon leaves an uncommitted batch for the next run to undo: its files
// are listed in its pending note. Nothing to do here but drop the buffers.
func (w *writer) abandon() { clear(w.parts) }

func (w *writer) putJSON(ctx context.Context, rel string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = putFile(ctx, w.t.Store, w.t.key(rel), func(out io.Writer) error {
		_, err := out.Write(data)
		return err
	})
	return err
}

// newBatchID names a batch: the time, so batches sort as they were made,
// and random bytes, so two runs never share a name.
func newBatchID() string {
	var b [4]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// putFile stores what write produces under key, atomically: a folder
// renames a complete temporary file into place (local.Store.Write), any
// other store gets one upload of a complete temporary file. It returns the
// size written.
func putFile(ctx context.Context, store objstore.Store, key string, write func(io.Writer) error) (int64, error) {
	if ls, ok := store.(*local.Store); ok {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(write(pw)) }()
		var size int64
		err := ls.Write(ctx, key, pr, func(n int64) error { size = n; return nil })
		pr.CloseWithError(errors.New("write abandoned")) // ends the writer if Write gave up early
		return size, err
	}
	tmp, err := os.CreateTemp("", "flowlog-export-*")
	if err != nil {
		return 0, err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err := write(bw); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return size, store.Put(ctx, key, tmp, size)
}
