package export

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/parquetio"
	"github.com/flowlog/flowlog/internal/record"
	"github.com/flowlog/flowlog/internal/simulate"
	"github.com/flowlog/flowlog/internal/source"
)

// corpus simulates hours of one flow log into a folder and returns its
// objects and every record line, sorted.
func corpus(t *testing.T, hours int) (flowlog.Objects, []string) {
	t.Helper()
	dir := t.TempDir()
	store, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 24, 22, 0, 0, 0, time.UTC)
	_, err = simulate.Run(context.Background(), simulate.Config{
		Prefix: "web", Name: "web01", From: from, Duration: time.Duration(hours) * time.Hour,
		RecordsPerObject: 400, Seed: 3,
	}, store)
	if err != nil {
		t.Fatal(err)
	}
	objs := flowlog.Objects{Store: store, Prefix: "web"}
	return objs, textLines(t, objs)
}

// textLines reads every record of the gzip objects, in text form, sorted.
func textLines(t *testing.T, objs flowlog.Objects) []string {
	t.Helper()
	var lines []string
	found, err := source.List(context.Background(), objs, source.Window{}, &source.Stats{})
	if err != nil {
		t.Fatal(err)
	}
	sc := record.NewScanner(nil, "", record.AllFields)
	for _, o := range found {
		if parquetio.IsParquetKey(o.Key) {
			continue
		}
		rc, err := objs.Store.Open(context.Background(), o.Key)
		if err != nil {
			t.Fatal(err)
		}
		gz, err := gzip.NewReader(rc)
		if err != nil {
			t.Fatal(err)
		}
		sc.Reset(nil, o.Key)
		if err := sc.Each(gz, func(r *record.Record) bool {
			lines = append(lines, string(record.AppendText(nil, r)))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	slices.Sort(lines)
	return lines
}

// exported reads every record of the Parquet files under the target,
// sorted.
func exported(t *testing.T, dir string) []string {
	t.Helper()
	var lines []string
	var rd parquetio.Reader
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		info, _ := f.Stat()
		pf, err := parquetio.Open(f, info.Size(), p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rd.Each(pf, 0, true, parquetio.Bounds{}, func(r *record.Record) bool {
			lines = append(lines, string(r.Line))
			return true
		}); err != nil {
			t.Fatal(err)
		}
		return nil
	})
	slices.Sort(lines)
	return lines
}

func target(t *testing.T, dir string) *Target {
	t.Helper()
	store, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &Target{Store: store}
}

func TestExportOnceAndAgain(t *testing.T) {
	objs, want := corpus(t, 4)
	dir := t.TempDir()
	st, err := Run(context.Background(), target(t, dir), []flowlog.Objects{objs}, Options{MaxRows: 500, CommitRows: 2000, RowGroupRows: 100})
	if err != nil {
		t.Fatal(err)
	}
	if st.Converted == 0 || st.Records != int64(len(want)) || st.Batches < 2 {
		t.Fatalf("stats %+v, want every one of %d records in several batches", st, len(want))
	}
	if got := exported(t, dir); !slices.Equal(got, want) {
		t.Fatalf("exported %d records, want the %d of the source", len(got), len(want))
	}
	// Every file lies in the partition of its records' start hour, and is
	// sorted by start.
	checkPartitions(t, dir)

	again, err := Run(context.Background(), target(t, dir), []flowlog.Objects{objs}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Converted != 0 || again.Present != st.Converted || again.Files != 0 {
		t.Fatalf("second run: %+v, want nothing converted and %d present", again, st.Converted)
	}
}

func checkPartitions(t *testing.T, dir string) {
	t.Helper()
	var rd parquetio.Reader
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		from, to, ok := parquetio.KeySpan(filepath.ToSlash(rel))
		if !ok || !strings.HasPrefix(rel, "flowlog=web01/") {
			t.Errorf("%s: not in a flowlog/date/hour partition", rel)
		}
		f, _ := os.Open(p)
		defer f.Close()
		info, _ := f.Stat()
		pf, err := parquetio.Open(f, info.Size(), p)
		if err != nil {
			t.Fatal(err)
		}
		last := int64(0)
		rd.Each(pf, record.FieldSet(0).With(record.Start), false, parquetio.Bounds{}, func(r *record.Record) bool {
			if r.Start < from.Unix() || r.Start >= to.Unix() || r.Start < last {
				t.Errorf("%s: start %d out of order or outside [%v, %v)", rel, r.Start, from, to)
				return false
			}
			last = r.Start
			return true
		})
		return nil
	})
}

// failingStore is a real folder that fails every Put and Write after the
// first n, as a full disk or a dropped connection would, to interrupt an
// export at a chosen point.
type failingStore struct {
	*local.Store
	left atomic.Int64
}

var errInjected = errors.New("injected failure")

func (s *failingStore) Put(ctx context.Context, key string, body io.ReadSeeker, size int64) error {
	if s.left.Add(-1) < 0 {
		return errInjected
	}
	return s.Store.Put(ctx, key, body, size)
}

// TestInterruptedExport cuts an export short after every possible number
// of writes and checks that the next run ends with exactly the source's
// records: never one missing, never one twice.
func TestInterruptedExport(t *testing.T) {
	objs, want := corpus(t, 3)
	for _, n := range []int64{0, 1, 2, 3, 5, 8, 13, 21} {
		dir := t.TempDir()
		ls, _ := local.New(dir)
		fs := &failingStore{Store: ls}
		fs.left.Store(n)
		opts := Options{MaxRows: 300, CommitRows: 900, RowGroupRows: 64}
		// failingStore is not a *local.Store, so files go up in one Put.
		_, err := Run(context.Background(), &Target{Store: fs, Prefix: "lake"}, []flowlog.Objects{objs}, opts)
		if !errors.Is(err, errInjected) {
			t.Fatalf("after %d writes: %v, want the injected failure", n, err)
		}
		st, err := Run(context.Background(), &Target{Store: ls, Prefix: "lake"}, []flowlog.Objects{objs}, opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := exported(t, filepath.Join(dir, "lake")); !slices.Equal(got, want) {
			t.Fatalf("interrupted after %d writes, then rerun (%+v): %d records, want %d", n, st, len(got), len(want))
		}
		var pendingLeft []string
		ls.List(context.Background(), "lake/"+pendingDir, "", func(o objstore.Object) error {
			pendingLeft = append(pendingLeft, o.Key)
			return nil
		})
		if len(pendingLeft) > 0 {
			t.Errorf("pending notes left after a complete run: %v", pendingLeft)
		}
	}
}

// TestWindow exports only the objects of a time window, then the rest.
func TestWindow(t *testing.T) {
	objs, want := corpus(t, 4)
	dir := t.TempDir()
	w := source.Window{Since: time.Date(2026, 11, 24, 23, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}
	first, err := Run(context.Background(), target(t, dir), []flowlog.Objects{objs}, Options{Window: w})
	if err != nil {
		t.Fatal(err)
	}
	if first.Records == 0 || first.Records >= int64(len(want)) {
		t.Fatalf("window: %d records of %d", first.Records, len(want))
	}
	if _, err := Run(context.Background(), target(t, dir), []flowlog.Objects{objs}, Options{}); err != nil {
		t.Fatal(err)
	}
	if got := exported(t, dir); !slices.Equal(got, want) {
		t.Fatalf("window then the rest: %d records, want %d", len(got), len(want))
	}
}
