package query

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/filter/expr"
	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/simulate"
)

// simulatedInputs returns a few hours of simulated objects of the given
// traffic, held in memory.
func simulatedInputs(b *testing.B, traffic simulate.Traffic) []Input {
	b.Helper()
	store, err := local.New(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	cfg := simulate.Config{Name: "bench", From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Duration: 4 * time.Hour, RecordsPerObject: 20000, Seed: 42, Traffic: traffic}
	if _, err := simulate.Run(context.Background(), cfg, store); err != nil {
		b.Fatal(err)
	}
	var inputs []Input
	err = store.List(context.Background(), "", "", func(o objstore.Object) error {
		r, err := store.Open(context.Background(), o.Key)
		if err != nil {
			return err
		}
		defer r.Close()
		body, err := io.ReadAll(r)
		inputs = append(inputs, memInput(o.Key, body))
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return inputs
}

// BenchmarkQuerySimulated runs the benchmark script's queries on simulated
// objects in memory: the rejects counted, and the top talkers by bytes, and
// on internet traffic (about a group a record) the top talkers and the top
// source-destination pairs. Its CPU profile is what cmd/flowlog/default.pgo
// is made from (scripts/pgo.sh).
func BenchmarkQuerySimulated(b *testing.B) {
	inputs := simulatedInputs(b, simulate.TrafficDefault)
	b.Run("count-rejects", func(b *testing.B) {
		rejects, err := expr.Compile("action REJECT")
		if err != nil {
			b.Fatal(err)
		}
		q := &Query{Inputs: inputs, Filter: rejects}
		for b.Loop() {
			if _, _, err := q.Count(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
	internet := simulatedInputs(b, simulate.TrafficInternet)
	for _, top := range []struct {
		name   string
		inputs []Input
		keys   string
	}{
		{"top-talkers", inputs, "srcaddr"},
		{"internet-top-srcaddr", internet, "srcaddr"},
		{"internet-top-srcaddr,dstaddr", internet, "srcaddr,dstaddr"},
	} {
		b.Run(top.name, func(b *testing.B) {
			keys, err := ParseGroupKeys(top.keys)
			if err != nil {
				b.Fatal(err)
			}
			q := &Query{Inputs: top.inputs}
			for b.Loop() {
				if _, _, err := q.Aggregate(context.Background(), keys, SortBytes, 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGroupTime compares time keys with group-bys of other keys of
// about the same number of groups: a time key should cost no more than
// any other key.
func BenchmarkGroupTime(b *testing.B) {
	inputs := simulatedInputs(b, simulate.TrafficDefault)
	for _, spec := range []string{
		"action,log_status", "time/1h,action", // a handful of groups
		"dstport", "time/1m,action", // hundreds
		"srcaddr,dstport", "time/10m,srcaddr", // tens of thousands
		"conversation", "srcaddr,srcport,dstaddr,dstport,protocol", // a 5-tuple either way
		"time/1h,conversation",
	} {
		b.Run(spec, func(b *testing.B) {
			keys, err := ParseGroupKeys(spec)
			if err != nil {
				b.Fatal(err)
			}
			q := &Query{Inputs: inputs}
			var groups []Group
			for b.Loop() {
				if groups, _, err = q.Group(context.Background(), Grouping{Keys: keys, SortBy: SortBytes, Top: 10}); err != nil {
					b.Fatal(err)
				}
			}
			all, _, _ := q.Group(context.Background(), Grouping{Keys: keys})
			b.ReportMetric(float64(len(all)), "groups")
			_ = groups
		})
	}
}
