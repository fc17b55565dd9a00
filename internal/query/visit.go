package query

import (
	"context"
	"time"

	"github.com/flowlog/flowlog/internal/record"
)

// Visit reads every input on the query's workers and hands each record the
// filter keeps to the visitor of the worker that read it. newVisitor is
// called once a worker, with the worker's index (below MaxWorkers()), before
// its first record; a visitor returns false to stop reading its input.
// For questions other than printing, counting and grouping (flowlog scans)
// that keep per-worker state and merge it at the end.
func (q *Query) Visit(ctx context.Context, need record.FieldSet, newVisitor func(worker int) func(*record.Record) bool) (Stats, error) {
	start := time.Now()
	visitors := make([]func(*record.Record) bool, q.workers())
	readers, err := q.forEachInput(ctx, q.need(need), false, func(rd *reader, i int) error {
		v := visitors[rd.slot]
		if v == nil {
			v = newVisitor(rd.slot)
			visitors[rd.slot] = v
		}
		return rd.read(ctx, q.Inputs[i], v)
	})
	return sumStats(readers, start), err
}

// MaxWorkers is the number of workers a run uses at most.
func (q *Query) MaxWorkers() int { return q.workers() }
