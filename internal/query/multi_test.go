package query

import (
	"context"
	"fmt"
	"testing"

	"github.com/flowlog/flowlog/internal/record"
)

// TestAggregateEachAgreesWithAggregate checks that group-bys computed
// together in one pass, each with its own filter, are the groups each
// gives alone with its filter as the query's, whatever the workers.
func TestAggregateEachAgreesWithAggregate(t *testing.T) {
	inputs, _ := corpus(t, 40)
	aggs := []Aggregation{
		{Grouping: Grouping{Keys: mustKeys(t, "srcaddr"), SortBy: SortBytes, Top: 5}},
		{Grouping: Grouping{Keys: mustKeys(t, "dstport"), SortBy: SortFlows}, Filter: actionIs(record.Reject)},
		{Grouping: Grouping{Keys: mustKeys(t, "srcaddr/16,action"), SortBy: SortPackets}},
		{Grouping: Grouping{Keys: mustKeys(t, "interface_id"), SortBy: SortFlows, Top: 3}, Filter: actionIs(record.Accept)},
		{Grouping: Grouping{Keys: mustKeys(t, "srcaddr"), SortBy: SortFlows}, Filter: actionIs(record.Reject)},
		{Grouping: Grouping{Keys: mustKeys(t, "time/1h,action"), SortBy: SortBytes}},
		{Grouping: Grouping{Keys: mustKeys(t, "conversation"), SortBy: SortBytes, Top: 10}, Filter: actionIs(record.Accept)},
	}
	for _, workers := range []int{1, 3} {
		q := &Query{Inputs: inputs, Workers: workers}
		// A visitor beside the tables sees every record kept, once, on
		// state of its worker's own.
		seen := make([]int64, workers)
		made := make([]int, workers)
		counter := Visitor{Need: record.FieldSet(0).With(record.ActionField), New: func(w int) func(*record.Record) bool {
			made[w]++
			return func(r *record.Record) bool {
				if r.Has(record.ActionField) {
					seen[w]++
				}
				return true
			}
		}}
		got, stats, err := q.AggregateEach(context.Background(), aggs, counter)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(aggs) {
			t.Fatalf("%d results for %d aggregations", len(got), len(aggs))
		}
		var records int64
		for i, a := range aggs {
			alone := &Query{Inputs: inputs, Workers: workers, Filter: a.Filter}
			want, st, err := alone.Aggregate(context.Background(), a.Keys, a.SortBy, a.Top)
			if err != nil {
				t.Fatal(err)
			}
			records = st.Records
			if len(want) == 0 {
				t.Fatalf("aggregation %d has no groups: the test checks nothing", i)
			}
			if fmt.Sprint(got[i]) != fmt.Sprint(want) {
				t.Errorf("%d workers, aggregation %d: together\n%v\nalone\n%v", workers, i, got[i], want)
			}
		}
		if stats.Records != records || stats.Matched != records {
			t.Errorf("stats %+v: want %d records read and matched, once", stats, records)
		}
		var total int64
		for w := range workers {
			total += seen[w]
			if made[w] > 1 {
				t.Errorf("worker %d made %d visitors, want one", w, made[w])
			}
		}
		if total != records {
			t.Errorf("the visitor saw %d records, want %d", total, records)
		}
	}
}

func mustKeys(t *testing.T, spec string) []GroupKey {
	t.Helper()
	keys, err := ParseGroupKeys(spec)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
