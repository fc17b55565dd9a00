package query

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/flowlog/flowlog/internal/filter/expr"
	"github.com/flowlog/flowlog/internal/record"
)

// tableCorpus returns inputs of n records with about groups distinct
// source addresses (IPv4, IPv6, IPv4-mapped IPv6 and absent), spread over
// several inputs, and the records' fields for a reference computation.
func tableCorpus(t testing.TB, n, groups int) []Input {
	rng := rand.New(rand.NewPCG(1, 2))
	addr := func() string {
		i := rng.IntN(groups)
		switch i % 10 {
		case 0:
			return fmt.Sprintf("2001:db8:%x::%x", i>>16, i&0xffff)
		case 1:
			return fmt.Sprintf("::ffff:10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		case 2:
			if i%20 == 2 {
				return "-"
			}
		}
		return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
	}
	var inputs []Input
	var sb strings.Builder
	for j := range n {
		start := 1_700_000_000 + rng.IntN(3600)
		fmt.Fprintf(&sb, "2 1 eni-%d %s %s %d %d 6 %d %d %d %d ACCEPT OK\n",
			rng.IntN(3), addr(), addr(), 1024+rng.IntN(4), 80+rng.IntN(3), 1+rng.IntN(9), rng.IntN(100_000), start, start+rng.IntN(60))
		if j%5000 == 4999 || j == n-1 {
			inputs = append(inputs, memInput(fmt.Sprintf("in-%d", len(inputs)), gz(t, sb.String())))
			sb.Reset()
		}
	}
	return inputs
}

// render prints groups one a line.
func render(groups []Group) []string {
	var out []string
	for _, g := range groups {
		var key []string
		for _, v := range g.Key {
			key = append(key, v.String())
		}
		out = append(out, fmt.Sprintf("%s %d %d %d %d %d", strings.Join(key, ","), g.Flows, g.Packets, g.Bytes, g.FirstStart, g.LastEnd))
	}
	return out
}

// The tables give the same groups however many workers share the records
// (so whichever way their tables merge) and however small the memory
// budget (so however often they spill), for every kind of key; and the
// groups are those of a plain map over the records.
func TestTablesAgreeMergedAndSpilled(t *testing.T) {
	inputs := tableCorpus(t, 60_000, 40_000)
	for _, spec := range []string{"srcaddr", "srcaddr/16", "srcaddr,dstaddr", "interface_id,dstport", "action"} {
		t.Run(spec, func(t *testing.T) {
			keys, err := ParseGroupKeys(spec)
			if err != nil {
				t.Fatal(err)
			}
			run := func(workers int, memory int64, top int) ([]Group, Stats) {
				q := &Query{Inputs: inputs, Workers: workers, Memory: memory, TempDir: t.TempDir()}
				groups, stats, err := q.Group(context.Background(), Grouping{Keys: keys, SortBy: SortBytes, Top: top})
				if err != nil {
					t.Fatal(err)
				}
				return groups, stats
			}
			all, _ := run(1, 0, 0)
			want := referenceGroups(t, inputs, keys)
			got := render(all)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("%d groups, the reference has %d; first difference:\n%s", len(got), len(want), firstDifference(got, want))
			}
			top, _ := run(1, 0, 25)
			if !reflect.DeepEqual(top, all[:min(25, len(all))]) {
				t.Fatalf("the top 25 are not the first 25 of all groups")
			}
			for _, workers := range []int{2, 3} {
				for _, memory := range []int64{0, 1} {
					got, stats := run(workers, memory, 0)
					if !reflect.DeepEqual(got, all) {
						t.Fatalf("workers %d, memory %d: the groups differ from one worker's", workers, memory)
					}
					gotTop, _ := run(workers, memory, 25)
					if !reflect.DeepEqual(gotTop, top) {
						t.Fatalf("workers %d, memory %d: the top 25 differ from one worker's", workers, memory)
					}
					if memory > 0 && len(all) > 30_000 && stats.SpillRuns == 0 {
						t.Fatalf("%d groups under the least budget spilled nothing", len(all))
					}
				}
			}
		})
	}
}

// referenceGroups groups the records of inputs by keys with a map of the
// keys as printed, rendered and sorted as render's output.
func referenceGroups(t *testing.T, inputs []Input, keys []GroupKey) []string {
	type sums struct{ flows, packets, bytes, first, last uint64 }
	byKey := map[string]*sums{}
	q := &Query{Inputs: inputs, Workers: 1}
	_, err := q.Visit(context.Background(), record.AllFields, func(int) func(*record.Record) bool {
		return func(r *record.Record) bool {
			var key []string
			for _, k := range keys {
				key = append(key, referenceKey(k, r))
			}
			s := byKey[strings.Join(key, ",")]
			if s == nil {
				s = &sums{}
				byKey[strings.Join(key, ",")] = s
			}
			s.flows++
			s.packets += r.Packets
			s.bytes += r.Bytes
			if s.first == 0 || uint64(r.Start) < s.first {
				s.first = uint64(r.Start)
			}
			s.last = max(s.last, uint64(r.End))
			return true
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for k, s := range byKey {
		out = append(out, fmt.Sprintf("%s %d %d %d %d %d", k, s.flows, s.packets, s.bytes, s.first, s.last))
	}
	slices.Sort(out)
	return out
}

// referenceKey prints the value of key k of r as KeyValue.String does.
func referenceKey(k GroupKey, r *record.Record) string {
	if !r.Has(k.Field) {
		return "-"
	}
	switch k.Field.Kind() {
	case record.KindAddr:
		a, _ := r.Addr(k.Field)
		bits := k.Bits6
		if a.Is4() {
			bits = k.Bits4
		}
		p := netip.PrefixFrom(a, bits).Masked()
		if p.IsSingleIP() {
			return p.Addr().String()
		}
		return p.String()
	case record.KindText:
		return string(r.Text(k.Field))
	case record.KindAction:
		return r.Action.String()
	}
	u, _ := r.Uint(k.Field)
	return fmt.Sprint(u)
}

func firstDifference(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("got  %s\nwant %s", got[i], want[i])
		}
	}
	return "one is a prefix of the other"
}

// A spilling aggregation leaves no file behind, whether it ends or is
// cancelled half-way.
func TestSpillLeavesNoFile(t *testing.T) {
	inputs := tableCorpus(t, 60_000, 50_000)
	keys, err := ParseGroupKeys("srcaddr,dstaddr")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	q := &Query{Inputs: inputs, Workers: 2, Memory: 1, TempDir: dir}
	_, stats, err := q.Group(context.Background(), Grouping{Keys: keys, SortBy: SortBytes, Top: 10})
	if err != nil {
		t.Fatal(err)
	}
	if stats.SpillRuns == 0 || stats.SpillBytes == 0 {
		t.Fatalf("nothing spilled: %+v", stats)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Fatalf("left behind: %v", files)
	}

	ctx, cancel := context.WithCancel(context.Background())
	q.Progress = func(int64) { cancel() } // after the first input
	q.Workers = 1
	if _, _, err := q.Group(ctx, Grouping{Keys: keys, SortBy: SortBytes, Top: 10}); err == nil {
		t.Fatal("a cancelled aggregation did not fail")
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Fatalf("left behind after a cancel: %v", files)
	}
}

// A spill that cannot be written fails the aggregation, naming the cause,
// for one aggregation and for several in one pass.
func TestSpillFailureFails(t *testing.T) {
	inputs := tableCorpus(t, 60_000, 50_000)
	keys, err := ParseGroupKeys("srcaddr,dstaddr")
	if err != nil {
		t.Fatal(err)
	}
	missing := t.TempDir() + "/no/such/dir"
	q := &Query{Inputs: inputs, Workers: 2, Memory: 1, TempDir: missing}
	if _, _, err := q.Group(context.Background(), Grouping{Keys: keys, Top: 10}); err == nil || !strings.Contains(err.Error(), "spilling groups past the memory budget") {
		t.Fatalf("one aggregation: %v", err)
	}
	web, err := expr.Compile("dstport = 80")
	if err != nil {
		t.Fatal(err)
	}
	aggs := []Aggregation{{Grouping: Grouping{Keys: keys, Top: 10}}, {Filter: web, Grouping: Grouping{Keys: keys, Top: 10}}}
	if _, _, err := q.AggregateEach(context.Background(), aggs); err == nil || !strings.Contains(err.Error(), "spilling groups past the memory budget") {
		t.Fatalf("two aggregations: %v", err)
	}
}
