package query

import (
	"context"
	"time"

	"github.com/flowlog/flowlog/internal/record"
)

// Aggregation is one group-by among several computed in one pass: the
// records that both the query's filter and its own Filter keep, grouped as
// the Grouping says.
type Aggregation struct {
	Filter Matcher // nil keeps every record the query keeps
	Grouping
}

// Visitor is a consumer of the records of a pass besides the group tables,
// with state of its own per worker that it merges at the end (as flowlog
// scans keeps per source): Need lists the fields it reads, and New returns
// worker w's visit function, called once a worker before its first record.
type Visitor struct {
	Need record.FieldSet
	New  func(worker int) func(*record.Record) bool
}

// AggregateEach computes every aggregation in one pass over the inputs:
// each record is read and parsed once and offered to every group table and
// every visitor in also, so several group-bys cost about one read, not one
// each. The groups of aggregation i are groups[i], as Aggregate would
// return them for it alone. Memory grows with the number of groups of all
// the aggregations together.
func (q *Query) AggregateEach(ctx context.Context, aggs []Aggregation, also ...Visitor) (groups [][]Group, stats Stats, err error) {
	start := time.Now()
	need := record.FieldSet(0).With(record.Packets).With(record.Bytes).With(record.Start).With(record.End)
	for _, v := range also {
		need |= v.Need
	}
	for _, a := range aggs {
		for _, k := range a.Keys {
			need |= k.fields()
		}
		if a.Filter != nil {
			need |= a.Filter.Fields()
		}
	}
	// shared[i] is the table of aggregation i that the workers' tables are
	// merged into, tables[w][i] worker w's.
	workers := q.workers()
	// The workers' tables take at most a quarter of the budget.
	share, localMax := int64(0), int64(maxLocalBytes)
	if q.Memory > 0 {
		localMax = min(q.Memory/int64(4*workers*len(aggs)), maxLocalBytes)
		share = max((q.Memory-int64(workers*len(aggs))*max(localMax, localBytes))/int64(len(aggs)), minTableShare)
	}
	shared := make([]*groupTable, len(aggs))
	for i, a := range aggs {
		shared[i] = newSharedTable(a.Keys, share, q.TempDir)
	}
	tables := make([][]*groupTable, workers)
	defer func() {
		for _, t := range shared {
			t.close()
		}
	}()
	visits := make([]func(*record.Record) bool, workers)
	readers, err := q.forEachInput(ctx, q.need(need), false, func(rd *reader, i int) error {
		visit := visits[rd.slot]
		if visit == nil {
			ts := make([]*groupTable, len(aggs))
			for i := range aggs {
				ts[i] = newWorkerTable(shared[i], localMax)
			}
			tables[rd.slot] = ts
			var others []func(*record.Record) bool
			for _, v := range also {
				others = append(others, v.New(rd.slot))
			}
			visit = visitor(aggs, ts, others)
			visits[rd.slot] = visit
		}
		return rd.read(ctx, q.Inputs[i], visit)
	})
	stats = sumStats(readers, start)
	if err != nil {
		return nil, stats, err
	}
	groups = make([][]Group, len(aggs))
	for i, a := range aggs {
		var of []*groupTable
		for _, ts := range tables {
			if ts != nil {
				of = append(of, ts[i])
			}
		}
		if of != nil {
			of = append(of, shared[i])
		}
		if groups[i], err = groupsOf(of, a.Grouping, workers); err != nil {
			return nil, stats, err
		}
		if sf := shared[i].spill; sf != nil {
			stats.SpillRuns += len(sf.runs)
			stats.SpillBytes += sf.size
		}
	}
	return groups, stats, nil
}

// minTableShare is the least memory a group table is given, however small
// the budget: below it a table would spill every few groups.
const minTableShare = 1 << 20

// visitor offers a record to each table whose aggregation keeps it, each
// aggregation's filter the worker's own (forWorker), then to the other
// visitors. One aggregation without a filter, the plain group-by, adds
// straight to its table. A table that can take no more (a failed spill)
// stops the read.
func visitor(aggs []Aggregation, tables []*groupTable, others []func(*record.Record) bool) func(*record.Record) bool {
	if len(aggs) == 1 && aggs[0].Filter == nil && len(others) == 0 {
		return tables[0].add
	}
	filters := make([]Matcher, len(aggs))
	for i, a := range aggs {
		if a.Filter != nil {
			filters[i] = forWorker(a.Filter)
		}
	}
	return func(r *record.Record) bool {
		ok := true
		for i, f := range filters {
			if f == nil || f.Match(r) {
				ok = tables[i].add(r) && ok
			}
		}
		for _, visit := range others {
			visit(r)
		}
		return ok
	}
}
