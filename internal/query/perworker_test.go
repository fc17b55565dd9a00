package query

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/flowlog/flowlog/internal/filter/expr"
	"github.com/flowlog/flowlog/internal/record"
)

// An expression is a PerWorker, so a query gives each worker its own copy
// of one that looks names up.
var _ PerWorker = (*expr.Expr)(nil)

// rejectCounter matches REJECT records and counts them in a plain field,
// as a lookup cache keeps state: two workers sharing one would race (and
// -race says so).
type rejectCounter struct {
	original bool
	copies   *atomic.Int64
	matched  int64
}

func (m *rejectCounter) Match(r *record.Record) bool {
	if m.original {
		panic("the query matched with the shared matcher, not a worker's copy")
	}
	if r.Action != record.Reject {
		return false
	}
	m.matched++
	return true
}

func (m *rejectCounter) Fields() record.FieldSet {
	return record.FieldSet(0).With(record.ActionField)
}

func (m *rejectCounter) ForWorker() Matcher {
	m.copies.Add(1)
	return &rejectCounter{copies: m.copies}
}

func TestEachWorkerMatchesWithItsOwnCopy(t *testing.T) {
	inputs, want := corpus(t, 40)
	for _, workers := range []int{1, 4} {
		m := &rejectCounter{original: true, copies: &atomic.Int64{}}
		q := &Query{Inputs: inputs, Filter: m, Workers: workers}
		n, _, err := q.Count(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(len(want)) {
			t.Errorf("%d workers: counted %d REJECT records, want %d", workers, n, len(want))
		}
		if c := m.copies.Load(); c < 1 || c > int64(workers) {
			t.Errorf("%d workers: %d copies of the matcher, want one a worker", workers, c)
		}
	}
}
