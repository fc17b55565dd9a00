package scans

import (
	"bytes"
	"context"
	"io"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/flowlog/flowlog/internal/objstore"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/record"
	"github.com/flowlog/flowlog/internal/simulate"
)

// TestDistinctErrorBound counts sets of many sizes and checks every
// estimate against the bound the docs state: exact up to ExactUpTo, and
// within 4 standard errors above it (a failure once in about 15,000 sets;
// the seeds are fixed, so the test does not flicker).
func TestDistinctErrorBound(t *testing.T) {
	sizes := []int{1, 2, 5, 6, 7, 8, 10, 20, 50, 100, 300, 1000, 3000, 10000, 65536, 200000}
	var worst float64
	for seed := uint64(1); seed <= 5; seed++ {
		for _, n := range sizes {
			var d distinct
			var sk sketches
			for i := 0; i < n; i++ {
				v := mix32(uint64(i)*0x9e3779b97f4a7c15 + seed<<40)
				d.add(v, &sk)
				d.add(v, &sk) // again: a repeat is not new
			}
			got := d.count(sk)
			if n <= ExactUpTo {
				if got != uint64(n) {
					t.Errorf("seed %d: %d distinct values counted as %d, want exact", seed, n, got)
				}
				continue
			}
			rel := math.Abs(float64(got)-float64(n)) / float64(n)
			worst = max(worst, rel)
			if rel > 4*StdError {
				t.Errorf("seed %d: %d distinct values estimated as %d: error %.1f%%, bound %.1f%%", seed, n, got, 100*rel, 400*StdError)
			}
		}
	}
	t.Logf("worst relative error %.2f%% (standard error %.2f%%)", 100*worst, 100*StdError)
}

// TestDistinctMerge checks that merging sets, inline and sketched, counts
// their union.
func TestDistinctMerge(t *testing.T) {
	for _, tc := range []struct{ a, b, overlap int }{{3, 2, 1}, {4, 4, 0}, {6, 6, 6}, {100, 3, 3}, {3, 100, 0}, {500, 700, 200}} {
		var a, b distinct
		var ska, skb sketches
		for i := 0; i < tc.a; i++ {
			a.add(mix32(uint64(i)), &ska)
		}
		for i := tc.a - tc.overlap; i < tc.a-tc.overlap+tc.b; i++ {
			b.add(mix32(uint64(i)), &skb)
		}
		a.merge(&b, &ska, skb)
		want := float64(tc.a + tc.b - tc.overlap)
		got := float64(a.count(ska))
		if want <= ExactUpTo && got != want || math.Abs(got-want)/want > 4*StdError {
			t.Errorf("%+v: union counted %v, want %v", tc, got, want)
		}
	}
}

// TestFindAgainstReference finds the scanners of simulated internet
// traffic and checks them against exact counts computed plainly from the
// lines: every source well above a threshold is found, none well below,
// and flows, rejects and first/last seen are exact.
func TestFindAgainstReference(t *testing.T) {
	store, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := simulate.Config{Name: "scans", From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Duration: time.Hour,
		RecordsPerObject: 4000, Seed: 11, Traffic: simulate.TrafficInternet}
	if _, err := simulate.Run(context.Background(), cfg, store); err != nil {
		t.Fatal(err)
	}
	type ref struct {
		ports, hosts   map[string]bool
		flows, rejects uint64
		first, last    int64
	}
	refs := map[netip.Addr]*ref{}
	var inputs []query.Input
	err = store.List(context.Background(), "", "", func(o objstore.Object) error {
		r, err := store.Open(context.Background(), o.Key)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return err
		}
		inputs = append(inputs, query.Input{Name: o.Key, Open: func(context.Context) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(body)), nil
		}})
		zr, _ := gzip.NewReader(bytes.NewReader(body))
		text, _ := io.ReadAll(zr)
		for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
			f := strings.Fields(line)
			src, err1 := netip.ParseAddr(f[3])
			_, err2 := netip.ParseAddr(f[4])
			if err1 != nil || err2 != nil {
				continue
			}
			sp, e1 := strconv.Atoi(f[5])
			dp, e2 := strconv.Atoi(f[6])
			if e1 == nil && e2 == nil && sp < 32768 && dp >= 32768 {
				continue // a reply
			}
			x := refs[src]
			if x == nil {
				x = &ref{ports: map[string]bool{}, hosts: map[string]bool{}}
				refs[src] = x
			}
			x.flows++
			if f[12] == "REJECT" {
				x.rejects++
			}
			if e2 == nil {
				x.ports[f[6]] = true
			}
			x.hosts[f[4]] = true
			start, _ := strconv.ParseInt(f[10], 10, 64)
			end, _ := strconv.ParseInt(f[11], 10, 64)
			if x.first == 0 || start < x.first {
				x.first = start
			}
			x.last = max(x.last, end)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	opts := Options{MinPorts: 20, MinHosts: 20}
	got, _, err := Find(context.Background(), &query.Query{Inputs: inputs, Workers: 3}, opts)
	if err != nil {
		t.Fatal(err)
	}
	found := map[netip.Addr]Scanner{}
	for _, s := range got {
		found[s.Source] = s
	}
	margin := 1 + 4*StdError
	var wantSome int
	for src, x := range refs {
		ports, hosts := float64(len(x.ports)), float64(len(x.hosts))
		s, ok := found[src]
		above := ports >= 20*margin || hosts >= 20*margin
		below := ports < 20/margin && hosts < 20/margin
		switch {
		case above && !ok:
			t.Errorf("%s touched %v ports and %v hosts: not found", src, ports, hosts)
		case below && ok:
			t.Errorf("%s touched %v ports and %v hosts: found as a scanner", src, ports, hosts)
		}
		if above {
			wantSome++
		}
		if !ok {
			continue
		}
		if s.Flows != x.flows || s.Rejects != x.rejects || s.First != x.first || s.Last != x.last {
			t.Errorf("%s: flows %d rejects %d seen %d-%d, want %d %d %d-%d", src, s.Flows, s.Rejects, s.First, s.Last, x.flows, x.rejects, x.first, x.last)
		}
		for _, c := range []struct {
			got  uint64
			want float64
		}{{s.Ports, ports}, {s.Hosts, hosts}} {
			if math.Abs(float64(c.got)-c.want) > 4*StdError*c.want {
				t.Errorf("%s: distinct count %d, want %v within %.1f%%", src, c.got, c.want, 400*StdError)
			}
		}
		if len(s.TopPorts) == 0 || !x.ports[strconv.Itoa(int(s.TopPorts[0].Port))] {
			t.Errorf("%s: top ports %v are not among its ports", src, s.TopPorts)
		}
	}
	if wantSome == 0 {
		t.Fatal("the simulated hour has no scanner: the test checks nothing")
	}
	for i := 1; i < len(got); i++ {
		if got[i].Ports > got[i-1].Ports {
			t.Fatalf("scanners not in order of ports: %d after %d", got[i].Ports, got[i-1].Ports)
		}
	}
}

// TestForget fills a small table with one-off sources between the probes
// of two scanners: the one-offs are forgotten, the scanners counted in
// full, and the table never holds more than its limit.
func TestForget(t *testing.T) {
	tab := newTable(64)
	rec := func(src string, dst string, port uint16) *record.Record {
		r := &record.Record{SrcAddr: netip.MustParseAddr(src), DstAddr: netip.MustParseAddr(dst), SrcPort: 50000, DstPort: port, Action: record.Reject}
		r.Present = record.FieldSet(0).With(record.SrcAddr).With(record.DstAddr).With(record.SrcPort).With(record.DstPort).With(record.ActionField)
		return r
	}
	for i := 0; i < 5000; i++ {
		one := netip.AddrFrom4([4]byte{100, byte(i >> 16), byte(i >> 8), byte(i)}).String()
		tab.add(rec(one, "10.0.0.1", 443))
		tab.add(rec("198.51.100.1", "10.0.0.1", uint16(i%1000)))
		tab.add(rec("198.51.100.2", netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}).String(), 22))
		if len(tab.sources) > 64 {
			t.Fatalf("%d sources kept, limit 64", len(tab.sources))
		}
	}
	got := tab.scanners(Options{MinPorts: 10, MinHosts: 10})
	if len(got) != 2 {
		t.Fatalf("%d scanners, want 2: %+v", len(got), got)
	}
	for _, s := range got {
		if s.Flows != 5000 || s.Rejects != 5000 {
			t.Errorf("%s: %d flows, %d rejects, want 5000 each", s.Source, s.Flows, s.Rejects)
		}
		n := s.Ports
		if s.Source.String() == "198.51.100.2" {
			n = s.Hosts
		}
		if want := map[string]float64{"198.51.100.1": 1000, "198.51.100.2": 5000}[s.Source.String()]; math.Abs(float64(n)-want) > 4*StdError*want {
			t.Errorf("%s: %d distinct, want %v", s.Source, n, want)
		}
	}
}

// TestCollectorInAggregateEach feeds the collector to a pass that also
// groups records, as flowlog report does: it finds the same scanners as
// Find, and the group-by is not disturbed.
func TestCollectorInAggregateEach(t *testing.T) {
	dir := t.TempDir()
	store, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := simulate.Config{Name: "scans", From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Duration: time.Hour,
		RecordsPerObject: 2000, Seed: 13, Traffic: simulate.TrafficInternet}
	if _, err := simulate.Run(context.Background(), cfg, store); err != nil {
		t.Fatal(err)
	}
	var inputs []query.Input
	err = store.List(context.Background(), "", "", func(o objstore.Object) error {
		key := o.Key
		inputs = append(inputs, query.Input{Name: key, Open: func(ctx context.Context) (io.ReadCloser, error) { return store.Open(ctx, key) }})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{MinPorts: 10, MinHosts: 10}
	want, _, err := Find(context.Background(), &query.Query{Inputs: inputs, Workers: 1}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("no scanners in the simulated hour: the test checks nothing")
	}
	keys, err := query.ParseGroupKeys("action")
	if err != nil {
		t.Fatal(err)
	}
	c := NewCollector(opts)
	groups, stats, err := (&query.Query{Inputs: inputs, Workers: 3}).AggregateEach(context.Background(),
		[]query.Aggregation{{Grouping: query.Grouping{Keys: keys}}}, c.Visitor())
	if err != nil {
		t.Fatal(err)
	}
	var flows uint64
	for _, g := range groups[0] {
		flows += g.Flows
	}
	if int64(flows) != stats.Matched {
		t.Errorf("the group-by counted %d flows of %d records", flows, stats.Matched)
	}
	got := c.Scanners()
	if len(got) != len(want) {
		t.Fatalf("%d scanners in the shared pass, %d from Find", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		// Merged in another order, sketches agree and inline sets are
		// exact; Space-Saving lower bounds may differ once ports overflow.
		if g.Source != w.Source || g.Ports != w.Ports || g.Hosts != w.Hosts || g.Flows != w.Flows || g.Rejects != w.Rejects || g.First != w.First || g.Last != w.Last {
			t.Errorf("scanner %d: %+v, Find says %+v", i, g, w)
		}
	}
}
