package report

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flowlog/flowlog/internal/addrinfo"
	"github.com/flowlog/flowlog/internal/filter/expr"
	"github.com/flowlog/flowlog/internal/flowlog"
	"github.com/flowlog/flowlog/internal/objstore/local"
	"github.com/flowlog/flowlog/internal/query"
	"github.com/flowlog/flowlog/internal/record"
	"github.com/flowlog/flowlog/internal/scans"
	"github.com/flowlog/flowlog/internal/simulate"
)

var day = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

// simulated writes two flow logs' objects into a folder and returns the
// folder and its objects as query inputs, in name order.
func simulated(t testing.TB, duration time.Duration) (string, []query.Input) {
	t.Helper()
	dir := t.TempDir()
	store, err := local.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, cfg := range []simulate.Config{
		{Name: "web", Prefix: "edge", RecordsPerObject: 400, Seed: 11},
		{Name: "scan", Prefix: "edge", RecordsPerObject: 300, Seed: 12, Traffic: simulate.TrafficInternet},
	} {
		cfg.From, cfg.Duration = day.Add(time.Duration(i)*time.Hour), duration
		if _, err := simulate.Run(context.Background(), cfg, store); err != nil {
			t.Fatal(err)
		}
	}
	// Delivery stopped for half an hour: three windows of web have no
	// object.
	for _, at := range []time.Duration{100 * time.Minute, 110 * time.Minute, 120 * time.Minute} {
		keys, _ := filepath.Glob(filepath.Join(dir, "edge", fmt.Sprintf("web-%d.log.gz", day.Add(at).Unix())[:len("web-")+8]+"*"))
		if len(keys) != 1 {
			t.Fatalf("%d objects of web written %v after the start, want 1", len(keys), at)
		}
		if err := os.Remove(keys[0]); err != nil {
			t.Fatal(err)
		}
	}
	return dir, folderInputs(t, dir)
}

func folderInputs(t testing.TB, dir string) []query.Input {
	t.Helper()
	var inputs []query.Input
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		inputs = append(inputs, query.Input{Name: p, Open: func(context.Context) (io.ReadCloser, error) { return os.Open(p) }})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return inputs
}

// reference is the report's numbers computed the plain way: every line
// parsed on its own, sums in maps.
type reference struct {
	records, matched int64
	accepted         Sums
	rejected         Sums
	ipv4, ipv6       Sums
	points           map[int64]*Point // by interval start
	sources          map[string]*Sums
	dests            map[string]*Sums
	convs            map[string]*Sums
	rejectedPorts    map[string]*Sums
	protocols        map[string]*Sums
	statuses         map[string]*StatusRow
	windows          map[string]map[int64]bool // flow log → 10-minute windows with an object
	scanners         map[netip.Addr]*scanRef
	// By the longest prefix of testLabels and testNetworks.
	srcLabels, dstLabels, srcAS, dstAS map[string]*Sums
}

func computeReference(t *testing.T, inputs []query.Input, keep func(*record.Record) bool, interval time.Duration) *reference {
	t.Helper()
	ref := &reference{
		points: map[int64]*Point{}, sources: map[string]*Sums{}, dests: map[string]*Sums{}, convs: map[string]*Sums{},
		rejectedPorts: map[string]*Sums{}, protocols: map[string]*Sums{}, statuses: map[string]*StatusRow{},
		windows: map[string]map[int64]bool{}, scanners: map[netip.Addr]*scanRef{},
		srcLabels: map[string]*Sums{}, dstLabels: map[string]*Sums{}, srcAS: map[string]*Sums{}, dstAS: map[string]*Sums{},
	}
	add := func(m map[string]*Sums, key string, r *record.Record) {
		s := m[key]
		if s == nil {
			s = &Sums{}
			m[key] = s
		}
		s.Flows++
		s.Packets += r.Packets
		s.Bytes += r.Bytes
	}
	step := int64(interval / time.Second)
	for _, in := range inputs {
		_, name, keyTime, ok := flowlog.ParseObjectKey(filepath.Base(in.Name))
		if !ok {
			t.Fatalf("%s is not an object key", in.Name)
		}
		fl := filepath.ToSlash(filepath.Join(filepath.Dir(in.Name), name))
		if ref.windows[fl] == nil {
			ref.windows[fl] = map[int64]bool{}
		}
		// The simulator names an object after the end of its window plus
		// a few seconds.
		ref.windows[fl][(keyTime.Unix()-1)/600-1] = true

		f, err := os.Open(in.Name)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(zr)
		for sc.Scan() {
			var r record.Record
			if err := record.Parse(sc.Bytes(), record.AllFields, &r); err != nil {
				t.Fatal(err)
			}
			ref.records++
			if !keep(&r) {
				continue
			}
			ref.matched++
			addScan(ref.scanners, &r)
			if r.Status != record.OK {
				iface := string(r.InterfaceID)
				s := ref.statuses[iface]
				if s == nil {
					s = &StatusRow{Interface: iface}
					ref.statuses[iface] = s
				}
				if r.Status == record.NoData {
					s.NoData++
				} else {
					s.SkipData++
				}
				continue
			}
			at := r.Start - r.Start%step
			p := ref.points[at]
			if p == nil {
				p = &Point{Start: time.Unix(at, 0).UTC()}
				ref.points[at] = p
			}
			one := Sums{1, r.Packets, r.Bytes}
			if r.Action == record.Accept {
				ref.accepted.merge(one)
				p.Accepted.merge(one)
			} else {
				ref.rejected.merge(one)
				p.Rejected.merge(one)
				port := fmt.Sprintf("%d/%d", r.DstPort, r.Protocol)
				add(ref.rejectedPorts, port, &r)
			}
			if r.SrcAddr.Is4() {
				ref.ipv4.merge(one)
				p.IPv4.merge(one)
			} else {
				ref.ipv6.merge(one)
				p.IPv6.merge(one)
			}
			add(ref.sources, r.SrcAddr.String(), &r)
			add(ref.dests, r.DstAddr.String(), &r)
			add(ref.convs, conversationKey(fmt.Sprint(r.Protocol), netip.AddrPortFrom(r.SrcAddr, r.SrcPort).String(), netip.AddrPortFrom(r.DstAddr, r.DstPort).String()), &r)
			add(ref.protocols, fmt.Sprint(r.Protocol), &r)
			add(ref.srcLabels, refLabel(r.SrcAddr), &r)
			add(ref.dstLabels, refLabel(r.DstAddr), &r)
			add(ref.srcAS, refAS(r.SrcAddr), &r)
			add(ref.dstAS, refAS(r.DstAddr), &r)
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return ref
}

// checkRanking checks a top-N list against all the groups: each row has
// its group's sums, the rows come largest first, and no group left out is
// larger than the last row.
func checkRanking(t *testing.T, rk Ranking, all map[string]*Sums, top int, key func(RankRow) string) {
	t.Helper()
	if len(all) == 0 {
		t.Fatalf("%s: the reference has no groups: the test checks nothing", rk.Title)
	}
	if want := min(top, len(all)); top > 0 && len(rk.Rows) != want || top == 0 && len(rk.Rows) != len(all) {
		t.Fatalf("%s: %d rows, want %d of %d groups", rk.Title, len(rk.Rows), min(top, len(all)), len(all))
	}
	shown := map[string]bool{}
	for i, row := range rk.Rows {
		k := key(row)
		want := all[k]
		if want == nil || *want != row.Sums {
			t.Fatalf("%s row %d %q: %+v, want %+v", rk.Title, i, row.Label, row.Sums, want)
		}
		if i > 0 && rk.Rows[i-1].Value(rk.Metric) < row.Value(rk.Metric) {
			t.Fatalf("%s: row %d larger than the row before it", rk.Title, i)
		}
		shown[k] = true
	}
	last := rk.Rows[len(rk.Rows)-1].Value(rk.Metric)
	for k, s := range all {
		v := RankRow{Sums: *s}.Value(rk.Metric)
		if !shown[k] && v > last {
			t.Fatalf("%s: %s (%d %s) left out, larger than the last row (%d)", rk.Title, k, v, rk.Metric, last)
		}
	}
}

// TestBuildAgreesWithReference checks the data behind every chart against
// the plain computation, with and without a filter.
func TestBuildAgreesWithReference(t *testing.T) {
	dir, inputs := simulated(t, 6*time.Hour)
	names := testNames(t)
	for _, tc := range []struct {
		name   string
		filter string
		keep   func(*record.Record) bool
		names  *addrinfo.Names
		scans  scans.Options
	}{
		{"everything", "", func(*record.Record) bool { return true }, names, scans.Options{}},
		{"tcp or NODATA", "proto tcp or status NODATA", func(r *record.Record) bool {
			return r.Protocol == 6 && r.Has(record.Protocol) || r.Status == record.NoData
		}, nil, scans.Options{MinPorts: 20, MinHosts: 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &query.Query{Inputs: inputs, Workers: 2}
			if tc.filter != "" {
				e, err := expr.Compile(tc.filter)
				if err != nil {
					t.Fatal(err)
				}
				q.Filter = e
			}
			rep, err := Build(context.Background(), q, Options{Top: 7, Names: tc.names, Scans: tc.scans})
			if err != nil {
				t.Fatal(err)
			}
			// Seven hours of objects: 5-minute intervals would be 84
			// points, within maxPoints; a minute would be too many.
			if rep.Traffic.Interval != 5*time.Minute {
				t.Errorf("interval %v, want 5m for 7 hours", rep.Traffic.Interval)
			}
			ref := computeReference(t, inputs, tc.keep, rep.Traffic.Interval)

			h := rep.Header
			if h.Records != ref.records || h.Matched != ref.matched || h.Objects != len(inputs) {
				t.Errorf("header counts %d records, %d matched, %d objects; want %d, %d, %d", h.Records, h.Matched, h.Objects, ref.records, ref.matched, len(inputs))
			}
			tot := rep.Totals
			if tot.Accepted != ref.accepted || tot.Rejected != ref.rejected || tot.IPv4 != ref.ipv4 || tot.IPv6 != ref.ipv6 {
				t.Errorf("totals %+v; want accepted %+v rejected %+v IPv4 %+v IPv6 %+v", tot, ref.accepted, ref.rejected, ref.ipv4, ref.ipv6)
			}

			// Every interval from the first to the last, zeros included.
			pts := rep.Traffic.Points
			if len(pts) == 0 {
				t.Fatal("no points")
			}
			for i, p := range pts {
				if i > 0 && p.Start.Sub(pts[i-1].Start) != rep.Traffic.Interval {
					t.Fatalf("point %d at %v follows %v: not one interval later", i, p.Start, pts[i-1].Start)
				}
				want := ref.points[p.Start.Unix()]
				if want == nil {
					want = &Point{Start: p.Start}
				}
				if p != *want {
					t.Fatalf("point %v: %+v, want %+v", p.Start, p, *want)
				}
			}
			if len(ref.points) == 0 || pts[0].Start.Unix() != slices.Min(mapKeys(ref.points)) || pts[len(pts)-1].Start.Unix() != slices.Max(mapKeys(ref.points)) {
				t.Errorf("points from %v to %v; the reference spans other intervals", pts[0].Start, pts[len(pts)-1].Start)
			}

			label := func(r RankRow) string { return r.Label }
			checkRanking(t, rep.Sources, ref.sources, 7, label)
			checkRanking(t, rep.Dests, ref.dests, 7, label)
			checkRanking(t, rep.Convs, ref.convs, 7, func(r RankRow) string {
				// "tcp 10.0.0.1:40000 -> 10.0.0.2:443": both directions
				// are one conversation, whichever side is the client.
				f := strings.Fields(r.Label)
				if len(f) != 4 || f[2] != "->" {
					t.Fatalf("conversation %q: want PROTO CLIENT -> SERVER", r.Label)
				}
				return conversationKey(protocolNumber(t, f[0]), f[1], f[3])
			})
			portKey := func(r RankRow) string {
				// "22/tcp (ssh)" → "22/6"
				port, proto, _ := strings.Cut(strings.Fields(r.Label)[0], "/")
				return port + "/" + protocolNumber(t, proto)
			}
			checkRanking(t, rep.Rejected, ref.rejectedPorts, 7, portKey)
			checkRanking(t, rep.Protocols, ref.protocols, 0, func(r RankRow) string { return protocolNumber(t, r.Label) })

			// Scanners, with the thresholds of flowlog scans unless others
			// are given.
			sopts := tc.scans
			if sopts.MinPorts == 0 && sopts.MinHosts == 0 {
				sopts = scans.Defaults
			}
			sopts.Top = 7
			if rep.Scanners.MinPorts != sopts.MinPorts || rep.Scanners.MinHosts != sopts.MinHosts {
				t.Errorf("scanner thresholds %d ports, %d hosts; want %d, %d", rep.Scanners.MinPorts, rep.Scanners.MinHosts, sopts.MinPorts, sopts.MinHosts)
			}
			checkScanners(t, rep.Scanners, ref.scanners, sopts)

			// Networks by label and AS, only with names.
			if tc.names == nil {
				if len(rep.Networks) != 0 {
					t.Errorf("%d network panels without labels or a database", len(rep.Networks))
				}
			} else {
				if len(rep.Networks) != 4 {
					t.Fatalf("%d network panels, want 4: by source and destination label and AS", len(rep.Networks))
				}
				for i, want := range []map[string]*Sums{ref.srcLabels, ref.dstLabels, ref.srcAS, ref.dstAS} {
					if len(want) < 3 {
						t.Fatalf("%s: %d groups in the reference: too few to check", rep.Networks[i].Title, len(want))
					}
					checkRanking(t, rep.Networks[i], want, 7, label)
				}
			}

			// NODATA and SKIPDATA per interface.
			if len(rep.Gaps.Statuses) != len(ref.statuses) {
				t.Errorf("%d interfaces with NODATA or SKIPDATA lines, want %d", len(rep.Gaps.Statuses), len(ref.statuses))
			}
			for _, s := range rep.Gaps.Statuses {
				want := ref.statuses[s.Interface]
				if want == nil || s.NoData != want.NoData || s.SkipData != want.SkipData {
					t.Errorf("interface %s: %d NODATA, %d SKIPDATA; want %+v", s.Interface, s.NoData, s.SkipData, want)
				}
			}

			// Windows without an object: those between a flow log's first
			// and last object that have none.
			if len(rep.Gaps.FlowLogs) != 2 {
				t.Fatalf("gaps of %d flow logs, want 2", len(rep.Gaps.FlowLogs))
			}
			missingSomewhere := false
			for _, g := range rep.Gaps.FlowLogs {
				have := ref.windows[g.FlowLog]
				if have == nil {
					t.Fatalf("flow log %q unknown to the reference (%v)", g.FlowLog, mapKeys(ref.windows))
				}
				lo, hi := slices.Min(mapKeys(have)), slices.Max(mapKeys(have))
				missing := int(hi-lo+1) - len(have)
				if g.Objects != len(have) || g.MissingWindows != missing {
					t.Errorf("%s: %d objects, %d windows without one; want %d and %d", g.FlowLog, g.Objects, g.MissingWindows, len(have), missing)
				}
				missingSomewhere = missingSomewhere || missing > 0
			}
			if !missingSomewhere {
				t.Error("no flow log misses a window: the gap check checks nothing")
			}
			_ = dir
		})
	}
}

// conversationKey names a conversation by its protocol and its two
// endpoints in either order.
func conversationKey(proto, a, b string) string {
	if b < a {
		a, b = b, a
	}
	return proto + " " + a + " " + b
}

func protocolNumber(t *testing.T, name string) string {
	for v := range uint64(256) {
		if expr.ProtocolName(v) == name {
			return fmt.Sprint(v)
		}
	}
	return name
}

func mapKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
