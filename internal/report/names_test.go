package report

import (
	"math"
	"net/netip"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/flowlog/flowlog/internal/addrinfo"
	"github.com/flowlog/flowlog/internal/addrinfo/mmdbtest"
	"github.com/flowlog/flowlog/internal/record"
	"github.com/flowlog/flowlog/internal/scans"
)

// testLabels overlap, so that only the longest prefix gives the right
// label.
var testLabels = map[string][]netip.Prefix{
	"low":      {netip.MustParsePrefix("0.0.0.0/1")},
	"private":  {netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12")},
	"web":      {netip.MustParsePrefix("107.0.0.0/8")},
	"server":   {netip.MustParsePrefix("107.121.114.181/32")},
	"v6":       {netip.MustParsePrefix("2000::/3")},
	"test-net": {netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("203.0.113.0/24")},
}

// testNetworks nest too; addresses from 128.0.0.0 up have no AS.
var testNetworks = []mmdbtest.Network{
	{Prefix: netip.MustParsePrefix("0.0.0.0/2"), ASN: 64500, Org: "Low Net"},
	{Prefix: netip.MustParsePrefix("10.0.0.0/8"), ASN: 64496, Org: "Private Example"},
	{Prefix: netip.MustParsePrefix("64.0.0.0/2"), ASN: 64501, Org: "Mid Net"},
	{Prefix: netip.MustParsePrefix("107.121.0.0/16"), ASN: 64511, Org: "Web Host"},
	{Prefix: netip.MustParsePrefix("2000::/3"), ASN: 64502},
	{Prefix: netip.MustParsePrefix("198.51.100.0/24"), ASN: 64497, Org: "Scanning Example"},
}

// testNames opens the labels and a database of the networks above.
func testNames(t testing.TB) *addrinfo.Names {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.mmdb")
	if err := mmdbtest.Write(path, testNetworks); err != nil {
		t.Fatal(err)
	}
	names, err := addrinfo.Open(addrinfo.Config{Labels: testLabels, MMDB: []string{path}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { names.Close() })
	return names
}

// refLabel is the label of a, by the longest prefix that covers it.
func refLabel(a netip.Addr) string {
	name, bits := "(no label)", -1
	for n, ps := range testLabels {
		for _, p := range ps {
			if p.Contains(a) && p.Bits() > bits {
				name, bits = n, p.Bits()
			}
		}
	}
	return name
}

// refAS is the AS of a as the report labels it, by the longest network
// that covers it.
func refAS(a netip.Addr) string {
	var best *mmdbtest.Network
	for i, n := range testNetworks {
		if n.Prefix.Contains(a) && (best == nil || n.Prefix.Bits() > best.Prefix.Bits()) {
			best = &testNetworks[i]
		}
	}
	switch {
	case best == nil:
		return "(no AS known)"
	case best.Org == "":
		return "AS" + strconv.FormatUint(uint64(best.ASN), 10)
	}
	return "AS" + strconv.FormatUint(uint64(best.ASN), 10) + " " + best.Org
}

// scanRef is what a source did, counted exactly.
type scanRef struct {
	ports          map[uint64]bool
	hosts          map[netip.Addr]bool
	flows, rejects uint64
	first, last    int64
}

// addScan counts r as flowlog scans does: replies (service port to an
// ephemeral one) are left out.
func addScan(m map[netip.Addr]*scanRef, r *record.Record) {
	if !r.Has(record.SrcAddr) || !r.Has(record.DstAddr) {
		return
	}
	if r.Has(record.SrcPort) && r.Has(record.DstPort) && r.SrcPort < 32768 && r.DstPort >= 32768 {
		return
	}
	x := m[r.SrcAddr]
	if x == nil {
		x = &scanRef{ports: map[uint64]bool{}, hosts: map[netip.Addr]bool{}}
		m[r.SrcAddr] = x
	}
	x.flows++
	if r.Action == record.Reject {
		x.rejects++
	}
	if r.Has(record.DstPort) {
		x.ports[uint64(r.DstPort)] = true
	}
	x.hosts[r.DstAddr] = true
	if x.first == 0 || r.Start < x.first {
		x.first = r.Start
	}
	x.last = max(x.last, r.End)
}

// checkScanners checks the scanners panel against exact per-source sets:
// every row is a source above a threshold with its exact flows, rejects
// and first and last times, and distinct counts within the bound of
// flowlog scans; no source clearly above a threshold and clearly ahead of
// the last row is left out.
func checkScanners(t *testing.T, got Scanners, ref map[netip.Addr]*scanRef, opts scans.Options) {
	t.Helper()
	margin := 1 + 4*scans.StdError
	above := func(x *scanRef) bool {
		return float64(len(x.ports)) >= float64(opts.MinPorts)*margin || float64(len(x.hosts)) >= float64(opts.MinHosts)*margin
	}
	if len(got.Rows) == 0 {
		t.Fatal("no scanners: the simulated traffic should have some")
	}
	if len(got.Rows) > opts.Top {
		t.Fatalf("%d scanners, top %d", len(got.Rows), opts.Top)
	}
	shown := map[netip.Addr]bool{}
	for i, s := range got.Rows {
		x := ref[s.Source]
		if x == nil {
			t.Fatalf("scanner %s sent nothing", s.Source)
		}
		shown[s.Source] = true
		ports, hosts := float64(len(x.ports)), float64(len(x.hosts))
		if ports < float64(opts.MinPorts)/margin && hosts < float64(opts.MinHosts)/margin {
			t.Errorf("%s touched %v ports and %v hosts: below the thresholds", s.Source, ports, hosts)
		}
		if s.Flows != x.flows || s.Rejects != x.rejects || s.First != x.first || s.Last != x.last {
			t.Errorf("%s: flows %d rejects %d seen %d-%d, want %d %d %d-%d", s.Source, s.Flows, s.Rejects, s.First, s.Last, x.flows, x.rejects, x.first, x.last)
		}
		for _, c := range []struct {
			got  uint64
			want float64
		}{{s.Ports, ports}, {s.Hosts, hosts}} {
			if c.want <= scans.ExactUpTo && float64(c.got) != c.want || math.Abs(float64(c.got)-c.want) > 4*scans.StdError*c.want {
				t.Errorf("%s: distinct count %d, want %v", s.Source, c.got, c.want)
			}
		}
		if len(s.TopPorts) == 0 || !x.ports[uint64(s.TopPorts[0].Port)] {
			t.Errorf("%s: top ports %v are not among its ports", s.Source, s.TopPorts)
		}
		if i > 0 && s.Ports > got.Rows[i-1].Ports {
			t.Errorf("scanner %d has more ports than the one before it", i)
		}
	}
	t.Logf("%d scanners of %d sources; the last touched %d ports", len(got.Rows), len(ref), got.Rows[len(got.Rows)-1].Ports)
	last := float64(got.Rows[len(got.Rows)-1].Ports)
	for src, x := range ref {
		if !shown[src] && above(x) && (len(got.Rows) < opts.Top || float64(len(x.ports)) > last*margin*margin) {
			t.Errorf("%s touched %d ports and %d hosts: left out", src, len(x.ports), len(x.hosts))
		}
	}
}
